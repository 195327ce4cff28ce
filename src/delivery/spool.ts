/**
 * Where updates go while the database is down: an append-only file on local disk (JSON lines,
 * fsync'd before `append` resolves), so Telegram can still be told they arrived (the polling offset
 * moves, the webhook answers 200) and the next ones can be read and answered "temporarily
 * unavailable". Without it, polling would be stuck behind the first 100 unrecorded updates (one
 * getUpdates batch) for the whole outage. Once the database is back, `replay` hands every spooled
 * update to the adapter again, which records it in the inbox (a duplicate is recognised there, so
 * replaying twice after a crash is harmless) and deletes the file.
 *
 * One file per process (`telegram-<pid>.jsonl` in `data/spool`); a process also replays the files
 * of processes on this host that no longer run. A container replaced during an outage loses its
 * spool unless `data/` is a volume (it is for SQLite deployments).
 * @example
 * const spool = new OutageSpool('/app/data/spool', 'telegram', log);
 * await spool.append(JSON.stringify(update)); // durable
 * await spool.replay((line) => handler.accept(JSON.parse(line)));
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/ports/logger.ts';
import { Batcher } from './batcher.ts';
import { ownerIsGone, processOwner } from './owner.ts';

/** Updates per write and fsync. */
const APPEND_BATCH = 500;

export class OutageSpool {
  private readonly file: string;
  private readonly appends = new Batcher<string, void>((lines) => this.writeLines(lines), APPEND_BATCH);
  private replaying: Promise<number> | null = null;
  private replays = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly log: Logger,
  ) {
    this.file = join(dir, `${name}-${process.pid}.jsonl`);
  }

  /** Resolves once `line` is on disk; lines arriving meanwhile share one write and one fsync. */
  append(line: string): Promise<void> {
    if (line.includes('\n')) return Promise.reject(new Error('a spooled line must not contain a newline'));
    return this.appends.push(line);
  }

  private async writeLines(lines: readonly string[]): Promise<void[]> {
    mkdirSync(this.dir, { recursive: true });
    const handle = await open(this.file, 'a');
    try {
      await handle.write(lines.map((line) => `${line}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return lines.map(() => undefined);
  }

  /**
   * Hands every spooled line (this process's, and those of gone processes on this host) to
   * `accept`, in order, then deletes each file. A line `accept` cannot take is spooled again by it
   * (the database went down again) or logged and skipped. Resolves with the number of lines.
   * Concurrent calls share one run.
   */
  replay(accept: (line: string) => Promise<void>): Promise<number> {
    this.replaying ??= this.replayFiles(accept).finally(() => (this.replaying = null));
    return this.replaying;
  }

  private async replayFiles(accept: (line: string) => Promise<void>): Promise<number> {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return 0; // no spool yet
    }
    const pattern = new RegExp(`^${this.name}-(\\d+)(\\.\\d+)?\\.jsonl$`);
    const me = processOwner();
    const host = me.slice(0, me.lastIndexOf(':'));
    let total = 0;
    for (const file of files.sort()) {
      const match = pattern.exec(file);
      if (!match) continue;
      const pid = Number(match[1]);
      if (pid !== process.pid && !ownerIsGone(`${host}:${pid}`, me)) continue;
      // Claimed by renaming: appends from now on start a new file.
      const claimed = join(this.dir, `${this.name}-${process.pid}.${Date.now()}${++this.replays}.jsonl`);
      const path = join(this.dir, file);
      if (path !== claimed) {
        try {
          await rename(path, claimed);
        } catch {
          continue; // another process took it
        }
      }
      const lines = (await readFile(claimed, 'utf8')).split('\n').filter((line) => line !== '');
      for (const line of lines) {
        try {
          await accept(line);
        } catch (error) {
          this.log.error({ err: error }, 'a spooled update could not be taken; skipped');
        }
      }
      total += lines.length;
      await unlink(claimed);
    }
    if (total > 0) this.log.info({ updates: total }, 'updates spooled during the outage handed back');
    return total;
  }
}
