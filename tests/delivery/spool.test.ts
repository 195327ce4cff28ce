/**
 * The outage spool (src/delivery/spool.ts): appends survive the process and keep their order,
 * replay hands every line back once and removes the files, a replay that finds the database down
 * again is re-spooled, and the files of a gone process on this host are replayed too.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { OutageSpool } from '../../src/delivery/spool.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

describe('OutageSpool', () => {
  it('GIVEN lines appended at once THEN they are on disk in order, and replay hands each back once and deletes the file', async () => {
    const dir = scratchDir('spool');
    const spool = new OutageSpool(dir, 'telegram', silentLogger);
    await Promise.all(['{"update_id":1}', '{"update_id":2}', '{"update_id":3}'].map((line) => spool.append(line)));
    expect(readdirSync(dir)).toEqual([`telegram-${process.pid}.jsonl`]);
    const seen: string[] = [];
    expect(await spool.replay((line) => Promise.resolve(void seen.push(line)))).toBe(3);
    expect(seen).toEqual(['{"update_id":1}', '{"update_id":2}', '{"update_id":3}']);
    expect(readdirSync(dir)).toEqual([]);
    expect(await spool.replay(() => Promise.reject(new Error('nothing to replay')))).toBe(0);
  });

  it('GIVEN the database goes down again during a replay THEN the lines the adapter spools again are kept for the next replay', async () => {
    const dir = scratchDir('spool');
    const spool = new OutageSpool(dir, 'telegram', silentLogger);
    await spool.append('a');
    await spool.append('b');
    // The adapter spools what it cannot record: here, everything.
    await spool.replay((line) => spool.append(line));
    const again: string[] = [];
    await spool.replay((line) => Promise.resolve(void again.push(line)));
    expect(again).toEqual(['a', 'b']);
  });

  it("GIVEN a gone process's spool and a running process's spool THEN only the gone one is replayed", async () => {
    const dir = scratchDir('spool');
    // pid 1 runs (init); pids this high do not.
    writeFileSync(join(dir, 'telegram-4194000.jsonl'), 'left behind\n');
    writeFileSync(join(dir, 'telegram-1.jsonl'), 'not mine\n');
    writeFileSync(join(dir, 'discord-4194000.jsonl'), 'another channel\n');
    const seen: string[] = [];
    await new OutageSpool(dir, 'telegram', silentLogger).replay((line) => Promise.resolve(void seen.push(line)));
    expect(seen).toEqual(['left behind']);
    expect(existsSync(join(dir, 'telegram-1.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'discord-4194000.jsonl'))).toBe(true);
  });

  it('GIVEN a line with a newline THEN append refuses it (one update per line)', async () => {
    await expect(new OutageSpool(scratchDir('spool'), 'telegram', silentLogger).append('a\nb')).rejects.toThrow(/newline/);
  });
});
