/**
 * Scheduled jobs (STYLE.md C14): small named objects, scheduled by node-cron with noOverlap, each
 * run wrapped in one try/catch with its own child logger. startJobs returns a stop function for
 * shutdown.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../core/ports/logger.ts';

export interface Job {
  name: string;
  schedule: string;
  timezone?: string;
  run(): Promise<unknown>;
}

export function startJobs(jobs: readonly Job[], logger: Logger): { stop(): Promise<void>; tasks: ScheduledTask[] } {
  const tasks = jobs.map((job) => {
    const log = logger.child({ job: job.name });
    return cron.schedule(
      job.schedule,
      async () => {
        const started = Date.now();
        try {
          const result = await job.run();
          log.info({ ms: Date.now() - started, result }, 'job finished');
        } catch (error) {
          log.error({ err: error, ms: Date.now() - started }, 'job failed');
        }
      },
      { name: job.name, noOverlap: true, timezone: job.timezone ?? 'UTC' },
    );
  });
  return {
    tasks,
    stop: async () => {
      for (const task of tasks) await task.stop();
    },
  };
}
