import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrivateMariaDb, processRunning as alive } from './private-mariadb.ts';

const SLOW = 120_000;

async function eventually(check: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe.skipIf(!PrivateMariaDb.available())('PrivateMariaDb', () => {
  let server: PrivateMariaDb;
  let url: string;

  beforeAll(async () => {
    server = await PrivateMariaDb.start('selftest');
    url = await server.createDatabase('drill');
  }, SLOW);

  afterAll(async () => {
    await server?.stop();
  }, SLOW);

  test('GIVEN a started server THEN it is a private one on its own port and datadir, not the shared 3306', { timeout: SLOW }, async () => {
    expect(server.port).not.toBe(3306);
    expect(url).toBe(`mysql://root@127.0.0.1:${server.port}/drill`);
    expect(server.dir.startsWith(tmpdir())).toBe(true);

    const connection = await mysql.createConnection({ uri: url });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@port AS port, @@datadir AS datadir, DATABASE() AS db');
      expect(rows[0]).toMatchObject({ port: server.port, db: 'drill' });
      expect(String(rows[0]!['datadir']).startsWith(server.dir)).toBe(true);
    } finally {
      await connection.end();
    }
  });

  test('GIVEN committed rows WHEN the server is killed THEN queries fail with connection errors, AND WHEN restarted THEN the rows are back', { timeout: SLOW }, async () => {
    const setup = await mysql.createConnection({ uri: url });
    await setup.query('CREATE TABLE IF NOT EXISTS movie (id INT PRIMARY KEY, title VARCHAR(100) NOT NULL)');
    await setup.query("INSERT INTO movie VALUES (1, 'Alien') ON DUPLICATE KEY UPDATE title = VALUES(title)");
    // An idle connection that the outage breaks; mysql2 reports that as an 'error' event.
    setup.on('error', () => undefined);

    const pidBefore = server.pid!;
    server.kill();
    expect(alive(pidBefore)).toBe(false);
    expect(server.pid).toBeUndefined();

    await expect(setup.query('SELECT 1')).rejects.toThrow();
    setup.destroy();
    await expect(mysql.createConnection({ uri: url, connectTimeout: 5_000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await server.restart();
    expect(server.pid).not.toBe(pidBefore);
    const after = await mysql.createConnection({ uri: url });
    try {
      const [rows] = await after.query<mysql.RowDataPacket[]>('SELECT title FROM movie WHERE id = 1');
      expect(rows).toEqual([{ title: 'Alien' }]);
    } finally {
      await after.end();
    }
  });

  test('GIVEN a test process that dies by SIGKILL THEN its server dies with it AND the next start() removes its datadir', { timeout: SLOW }, async () => {
    const helper = fileURLToPath(new URL('./private-mariadb.ts', import.meta.url));
    const script = `const { PrivateMariaDb } = await import(${JSON.stringify(helper)});
const s = await PrivateMariaDb.start('orphan');
console.log(JSON.stringify({ pid: s.pid, dir: s.dir }));
setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${out}`)));
    });
    const orphan = JSON.parse(line) as { pid: number; dir: string };
    expect(alive(orphan.pid)).toBe(true);

    const childGone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await childGone;
    expect(await eventually(() => !alive(orphan.pid))).toBe(true);
    expect(existsSync(orphan.dir)).toBe(true);

    const next = await PrivateMariaDb.start('sweeper');
    try {
      expect(existsSync(orphan.dir)).toBe(false);
    } finally {
      await next.stop();
    }
    expect(existsSync(next.dir)).toBe(false);
  });
});
