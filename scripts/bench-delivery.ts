/**
 * `delivery.*` for `npm run bench`: the delivery drills of scripts/delivery-drills.ts at full size,
 * on a private MariaDB this section starts (tests/helpers/private-mariadb.ts; never the shared
 * server), or on SQLite where MariaDB is not installed (then without the outage drill).
 *
 * - delivery.killBurst.lost / doubled: 300 rating and details taps, kill -9 once a quarter have their effect, restart.
 * - delivery.sigterm.unsentReplies / exitSeconds: SIGTERM while 30 /feel and 30 taps are answered.
 * - delivery.flood.otherChatP99Ms: private /help latency while a group member sends 300 /feel.
 * - delivery.outage.replyP99Ms / drainSeconds: the database killed for 30 s under 5 commands/s.
 * - delivery.twoProcesses.doubled: 50 webhook updates posted to two processes at once.
 */
import type { DatabaseConfig } from '../src/config.ts';
import { PrivateMariaDb } from '../tests/helpers/private-mariadb.ts';
import { round, scratchSqlite, type BenchSection } from './bench-lib.ts';
import { floodDrill, killBurstDrill, outageDrill, prepareDrillDatabase, sigtermDrill, twoProcessDrill } from './delivery-drills.ts';

export const deliveryBenchmarks: BenchSection = async ({ quick, log }) => {
  const server = PrivateMariaDb.available() ? await PrivateMariaDb.start('bench-delivery') : undefined;
  const drops: Array<() => Promise<void>> = [];
  const fresh = async (name: string): Promise<DatabaseConfig> => {
    let config: DatabaseConfig;
    if (server) config = { kind: 'mysql', url: await server.createDatabase(name) };
    else {
      const sqlite = scratchSqlite(name);
      drops.push(() => sqlite.drop());
      config = sqlite.config;
    }
    await prepareDrillDatabase(config);
    return config;
  };
  log(`delivery: drills on ${server ? 'a private MariaDB' : 'SQLite (MariaDB not installed: no outage drill)'}`);
  try {
    const kill = await killBurstDrill({ database: await fresh('kill'), taps: quick ? 150 : 300, log });
    log(`delivery.killBurst: ${kill.taps} taps, killed with ${kill.appliedBeforeKill} applied: lost ${kill.lost}, doubled ${kill.doubled} (targets 0, 0); all applied ${kill.recoverySeconds.toFixed(1)} s after the restart`);
    const sigterm = await sigtermDrill({ database: await fresh('sigterm'), commands: quick ? 12 : 30, log });
    log(`delivery.sigterm: exit ${String(sigterm.exitCode)} after ${sigterm.exitSeconds.toFixed(2)} s (target ≤ 8); ${sigterm.sentAfterRestart} replies sent after the restart; unsent ${sigterm.unsentReplies} (target 0)`);
    const flood = await floodDrill({ database: await fresh('flood'), floodCommands: quick ? 150 : 300, probes: quick ? 5 : 10 });
    log(`delivery.flood: ${flood.floodCommands} /feel in a group (${flood.dropped} dropped, notice ${flood.noticeSent ? 'sent' : 'missing'}); other chats answered in p50 ${flood.otherChatP50Ms.toFixed(0)} ms, p99 ${flood.otherChatP99Ms.toFixed(0)} ms (target ≤ 2,000), unanswered ${flood.otherChatUnanswered}`);
    const two = await twoProcessDrill({ database: await fresh('two'), updates: quick ? 30 : 50 });
    log(`delivery.twoProcesses: ${two.updates} updates posted to two processes: applied ${two.applied}, doubled ${two.doubled}, replies ${two.replies}`);
    let outage: Awaited<ReturnType<typeof outageDrill>> | undefined;
    if (server) {
      outage = await outageDrill({ database: await fresh('outage'), server, outageMs: quick ? 8_000 : 30_000, perSecond: 5, log });
      log(`delivery.outage: ${outage.duringOutage} commands during a ${quick ? 8 : 30} s outage: first reply p50 ${outage.replyP50Ms.toFixed(0)} ms, p99 ${outage.replyP99Ms.toFixed(0)} ms (target ≤ 1,000), unanswered ${outage.unanswered}; all answered ${outage.drainSeconds.toFixed(1)} s after it (target ≤ 5)`);
    }
    return {
      delivery: {
        killBurst: { lost: kill.lost, doubled: kill.doubled, appliedBeforeKill: kill.appliedBeforeKill, recoverySeconds: round(kill.recoverySeconds, 1) },
        sigterm: { unsentReplies: sigterm.unsentReplies, exitSeconds: round(sigterm.exitSeconds, 2), sentAfterRestart: sigterm.sentAfterRestart },
        flood: { otherChatP50Ms: round(flood.otherChatP50Ms, 0), otherChatP99Ms: round(flood.otherChatP99Ms, 0), dropped: flood.dropped },
        twoProcesses: { applied: two.applied, doubled: two.doubled, replies: two.replies },
        ...(outage ? { outage: { replyP50Ms: round(outage.replyP50Ms, 0), replyP99Ms: round(outage.replyP99Ms, 0), drainSeconds: round(outage.drainSeconds, 1), unanswered: outage.unanswered } } : {}),
      },
    };
  } finally {
    for (const drop of drops) await drop().catch(() => undefined);
    await server?.stop();
  }
};
