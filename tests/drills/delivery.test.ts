/**
 * The delivery drills (scripts/delivery-drills.ts) as tests, small: the real bot process, the fake
 * Bot API, and a private MariaDB this file starts (tests/helpers/private-mariadb.ts; never the
 * shared server), or SQLite where MariaDB is not installed. Outcomes are asserted exactly (nothing
 * lost, nothing doubled, every reply sent); latencies only on medians and with the issue's
 * targets, which leave a loaded machine a wide margin. `npm run bench -- --only delivery` prints
 * the full-size figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config.ts';
import { floodDrill, killBurstDrill, outageDrill, prepareDrillDatabase, sigtermDrill, twoProcessDrill } from '../../scripts/delivery-drills.ts';
import { importCatalog } from '../../src/app/import-catalog.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { migrateDatabase } from '../../src/infra/db/migrate.ts';
import { projectRoot } from '../../src/shared/project-root.ts';
import { webhookBurst } from '../../scripts/bench-webhook.ts';
import { freshSqlite } from '../helpers/databases.ts';
import { PrivateMariaDb } from '../helpers/private-mariadb.ts';

const DRILL_TIMEOUT_MS = 240_000;

describe('delivery drills', () => {
  let server: PrivateMariaDb | undefined;
  const drops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    if (PrivateMariaDb.available()) server = await PrivateMariaDb.start('drills');
  }, 180_000);

  afterAll(async () => {
    for (const drop of drops) await drop().catch(() => undefined);
    await server?.stop();
  }, 60_000);

  /** A fresh drill database: on the private MariaDB when there is one, else SQLite. */
  async function freshDatabase(name: string): Promise<DatabaseConfig> {
    let config: DatabaseConfig;
    if (server) {
      config = { kind: 'mysql', url: await server.createDatabase(name) };
    } else {
      const sqlite = freshSqlite();
      drops.push(() => sqlite.drop());
      config = sqlite.config;
    }
    await prepareDrillDatabase(config);
    return config;
  }

  it('GIVEN kill -9 in a burst of rating and details taps WHEN the bot restarts THEN every tap has its effect, none twice', async () => {
    const figures = await killBurstDrill({ database: await freshDatabase('kill_burst'), taps: 160, killAtFraction: 0.3 });
    expect(figures).toEqual(expect.objectContaining({ lost: 0, doubled: 0 }));
    // Killed mid-burst: some taps were applied, some were not.
    expect(figures.appliedBeforeKill).toBeGreaterThan(0);
    expect(figures.appliedBeforeKill).toBeLessThan(figures.taps);
  }, DRILL_TIMEOUT_MS);

  it('GIVEN SIGTERM while /feel and taps are answered THEN the bot exits 0 within 8 s and every reply is sent, before the exit or after a restart', async () => {
    const figures = await sigtermDrill({ database: await freshDatabase('sigterm'), commands: 12 });
    expect(figures.exitCode).toBe(0);
    expect(figures.exitSeconds).toBeLessThanOrEqual(8);
    expect(figures.unsentReplies).toBe(0);
  }, DRILL_TIMEOUT_MS);

  it('GIVEN one member floods a group with /feel THEN private chats are still answered within 2 s (median), and the flood is cut with one notice', async () => {
    const figures = await floodDrill({ database: await freshDatabase('flood'), floodCommands: 150, probes: 5 });
    expect(figures.otherChatUnanswered).toBe(0);
    expect(figures.otherChatP50Ms).toBeLessThanOrEqual(2_000);
    expect(figures.dropped).toBeGreaterThan(0);
    expect(figures.noticeSent).toBe(true);
  }, DRILL_TIMEOUT_MS);

  it('GIVEN the same webhook updates delivered to two bot processes at once THEN each has one effect and one reply', async () => {
    const figures = await twoProcessDrill({ database: await freshDatabase('two_processes'), updates: 30 });
    expect(figures).toEqual({ updates: 30, applied: 30, doubled: 0, replies: 30 });
  }, DRILL_TIMEOUT_MS);

  it.skipIf(!PrivateMariaDb.available())('GIVEN the database killed under steady traffic THEN replies come within 1 s (median) during the outage, and every command is answered within 5 s after it (more than one getUpdates batch: the spool)', async () => {
    const database = await freshDatabase('outage');
    const figures = await outageDrill({ database, server: server!, outageMs: 8_000, perSecond: 15 });
    expect(figures.unanswered).toBe(0);
    expect(figures.replyP50Ms).toBeLessThanOrEqual(1_000);
    expect(figures.drainSeconds).toBeLessThanOrEqual(5);
  }, DRILL_TIMEOUT_MS);
});

describe('webhook burst drill', () => {
  it('GIVEN 500 webhook calls of 200 KB at once, with the container\'s memory flags THEN the bot takes every update and its peak RSS stays ≤ 350 MB', async () => {
    const db = freshSqlite();
    try {
      await migrateDatabase(db.config, silentLogger);
      await importCatalog(db.config, 'vega', undefined, () => undefined);
      const figures = await webhookBurst(projectRoot(), db.config.url, () => undefined, 'sources');
      expect(figures.peakRssMb).toBeLessThanOrEqual(350);
      expect(figures.accepted + figures.rejected + figures.reset).toBe(500);
    } finally {
      await db.drop();
    }
  }, DRILL_TIMEOUT_MS);
});
