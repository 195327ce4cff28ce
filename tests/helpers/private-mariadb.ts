/**
 * A private MariaDB server for drills (outages, restarts, replicas), so a test never stops or
 * disturbs the shared server on 127.0.0.1:3306 (/work/shared/ENVIRONMENT.md, "A private MariaDB
 * for drills"). Each instance has its own datadir under os.tmpdir(), its own port on 127.0.0.1 and
 * user root with an empty password.
 *
 * @example
 *   const server = await PrivateMariaDb.start('outage');
 *   const url = await server.createDatabase('feelms');   // mysql://root@127.0.0.1:PORT/feelms
 *   server.kill();                                       // SIGKILL: connections now fail
 *   await server.restart();                              // same datadir and port, answering again
 *   await server.stop();                                 // killed and datadir removed
 *
 * Crash safety: the server runs under `setpriv --pdeathsig KILL` (when setpriv exists), so the kernel
 * kills it when the test process dies, even by SIGKILL; a process 'exit' hook kills it on a normal
 * exit; and start() removes datadirs left by test processes that no longer run.
 * Guarded by tests/helpers/private-mariadb.test.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const execFileAsync = promisify(execFile);

/** Machines are loaded: installing and starting can take long there (a few seconds when idle). */
const READY_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 120_000;
const DIR_PREFIX = 'feelms-mariadb-';
const SHARED_PORT = 3306;

function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

const binaries = {
  mariadbd: findExecutable('mariadbd'),
  installDb: findExecutable('mariadb-install-db'),
  // Linux only: asks the kernel to SIGKILL the server when its parent (this process) dies.
  setpriv: process.platform === 'linux' ? findExecutable('setpriv') : undefined,
};

// ---- process-wide bookkeeping, shared by every copy of this module that vitest loads ----

interface Registry {
  pids: Set<number>;
  dirs: Set<string>;
  hooked: boolean;
}
const registryKey = Symbol.for('feelms.tests.private-mariadb');
const registry = ((globalThis as Record<symbol, unknown>)[registryKey] ??= { pids: new Set(), dirs: new Set(), hooked: false }) as Registry;

function hookProcessExit(): void {
  if (registry.hooked) return;
  registry.hooked = true;
  process.once('exit', () => {
    for (const pid of registry.pids) {
      killAndWait(pid, 5_000);
    }
    for (const dir of registry.dirs) rmSync(dir, { recursive: true, force: true });
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * True while `pid` runs. After SIGKILL a multi-threaded server shows its main thread as a zombie
 * while its other threads are still exiting and holding its sockets (a connection attempt then gets
 * ECONNRESET instead of ECONNREFUSED), so on Linux it counts as dead only once the main thread is a
 * zombie and no other thread is left.
 */
export function processRunning(pid: number): boolean {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  try {
    if (readdirSync(`/proc/${pid}/task`).length > 1) return true;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false; // gone (reaped)
  }
}

/** SIGKILL, then block until the process is dead (its port is closed), for at most `timeoutMs`. */
function killAndWait(pid: number, timeoutMs: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + timeoutMs;
  while (processRunning(pid) && Date.now() < deadline) sleepSync(5);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Removes folders left by test processes that died without cleaning up (a SIGKILLed vitest worker),
 * first killing their server if it somehow still runs: only a process whose command line names that
 * folder's my.cnf, never a recycled pid.
 */
function sweepOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    const owner = readPid(join(dir, 'owner.pid'));
    // No owner yet: another process is creating this folder right now.
    if (owner === undefined || processRunning(owner)) continue;
    const server = readPid(join(dir, 'mysqld.pid'));
    if (server !== undefined && commandLine(server).includes(join(dir, 'my.cnf'))) killAndWait(server, 5_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- ports ----

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range, so that while the server is down (an outage) no
 * outgoing connection of this machine is given its port, and restart() can bind it again.
 */
async function choosePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: keep the usual default
  }
  const from = 20000;
  const to = Math.max(from + 1000, low - 1);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (port !== SHARED_PORT && (await canListen(port))) return port;
  }
  throw new Error(`PrivateMariaDb: no free port found in ${from}-${to}`);
}

// ---- the server ----

type Probe = 'ours' | 'down' | { other: string };

/** Private MariaDB server for drills; see the file comment. */
export class PrivateMariaDb {
  /** True when mariadbd and mariadb-install-db are installed on this machine. */
  static available(): boolean {
    return binaries.mariadbd !== undefined && binaries.installDb !== undefined;
  }

  /**
   * Creates a datadir under os.tmpdir(), installs the system tables and starts a server on a free
   * port of 127.0.0.1, resolving once it answers queries.
   */
  static async start(label: string): Promise<PrivateMariaDb> {
    if (!PrivateMariaDb.available()) throw new Error('PrivateMariaDb: mariadbd or mariadb-install-db is not installed');
    hookProcessExit();
    sweepOrphans();
    const safeLabel = label.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24) || 'db';
    const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${safeLabel}-`));
    registry.dirs.add(dir);
    writeFileSync(join(dir, 'owner.pid'), String(process.pid));
    mkdirSync(join(dir, 'tmp'));
    const server = new PrivateMariaDb(dir, await choosePort());
    try {
      await server.install();
      // Another process may take the port between the probe and mariadbd's bind: try other ports.
      for (let attempt = 1; ; attempt++) {
        try {
          await server.launch();
          break;
        } catch (error) {
          if (attempt >= 3 || !server.failedToBind()) throw error;
          server.tcpPort = await choosePort();
          server.writeConfig();
        }
      }
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private tcpPort: number;
  /** The folder holding my.cnf, the datadir (`data/`), the error log and the pid file. */
  readonly dir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = false;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.tcpPort = port;
    this.writeConfig();
  }

  /** The TCP port on 127.0.0.1; it stays the same across kill() and restart(). */
  get port(): number {
    return this.tcpPort;
  }

  /** `mysql://root@127.0.0.1:PORT/<database>`. */
  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** The pid of the running server (undefined while it is down), e.g. for SIGSTOP/SIGCONT drills. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Creates the database (utf8mb4, like production) if it does not exist, and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`PrivateMariaDb: invalid database name ${JSON.stringify(name)}`);
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await connection.end();
    }
    return this.url(name);
  }

  /**
   * An outage: SIGKILLs the server and returns once it is dead, so the next connection attempt is
   * refused. Open connections break. Does nothing when the server is already down.
   */
  kill(): void {
    const pid = this.child?.pid;
    if (!this.running || pid === undefined) return;
    killAndWait(pid, 10_000);
    if (processRunning(pid)) throw new Error(`PrivateMariaDb: mariadbd (pid ${pid}) still runs 10 s after SIGKILL`);
    this.running = false;
  }

  /** Waits for Node to see the server's exit; the child is unref'd, so hold the event loop open meanwhile. */
  private async reaped(): Promise<void> {
    this.child?.ref();
    await this.exited;
    this.child?.unref();
  }

  /** Starts the server again on the same datadir and port (killing it first if it runs) and waits until it answers. */
  async restart(): Promise<void> {
    if (this.stopped) throw new Error('PrivateMariaDb: restart() after stop()');
    this.kill();
    await this.reaped();
    await this.launch();
  }

  /** Kills the server and removes its folder. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kill();
    await this.reaped();
    rmSync(this.dir, { recursive: true, force: true });
    registry.dirs.delete(this.dir);
  }

  /** The last lines of the server's error log, for failure messages. */
  errorLogTail(lines = 20): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  }

  private get config(): string {
    return join(this.dir, 'my.cnf');
  }

  private writeConfig(): void {
    const dir = this.dir;
    writeFileSync(
      this.config,
      [
        '[mysqld]',
        `datadir=${join(dir, 'data')}`,
        `port=${this.port}`,
        'bind-address=127.0.0.1',
        `socket=${join(dir, 'mysqld.sock')}`,
        // Without user=root a server started by root refuses to run; without --defaults-file it would read /etc/mysql.
        'user=root',
        `log-error=${join(dir, 'error.log')}`,
        `pid-file=${join(dir, 'mysqld.pid')}`,
        // Never the shared /tmp: a starting server deletes every #sql* file in its tmpdir, which would
        // break the internal temporary tables of the shared server on 3306 and of other private servers.
        `tmpdir=${join(dir, 'tmp')}`,
        'skip-log-bin',
        'skip-name-resolve',
        'performance_schema=OFF',
        'innodb_buffer_pool_size=32M',
        'innodb_log_file_size=8M',
        // Many servers on one machine: do not compete for the kernel's AIO contexts.
        'innodb_use_native_aio=OFF',
        'max_connections=200',
        // restart() right after kill(): wait a little if the port is still held instead of failing at once.
        'port-open-timeout=10',
        '',
        // For debugging by hand: mariadb --defaults-file=<dir>/my.cnf
        '[client]',
        'protocol=tcp',
        'host=127.0.0.1',
        `port=${this.port}`,
        'user=root',
        '',
      ].join('\n'),
    );
  }

  private async install(): Promise<void> {
    try {
      await execFileAsync(binaries.installDb!, [`--defaults-file=${this.config}`, '--auth-root-authentication-method=normal'], {
        timeout: INSTALL_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`PrivateMariaDb: mariadb-install-db failed: ${String(error)}\n${stdout}\n${stderr}\n${this.errorLogTail()}`, { cause: error });
    }
  }

  private failedToBind(): boolean {
    return /Bind on TCP\/IP port|Address already in use/i.test(this.errorLogTail(50));
  }

  /** Spawns mariadbd and waits until it answers on our port, as our server (not someone else's). */
  private async launch(): Promise<void> {
    const mariadbd = binaries.mariadbd!;
    const [command, args] = binaries.setpriv
      ? [binaries.setpriv, ['--pdeathsig', 'KILL', '--', mariadbd, `--defaults-file=${this.config}`]]
      : [mariadbd, [`--defaults-file=${this.config}`]];
    // Anything printed before the error log opens lands here.
    const output = openSync(join(this.dir, 'stdout.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['ignore', output, output] });
    } finally {
      closeSync(output);
    }
    // A forgotten stop() must not keep the test process alive; the 'exit' hook kills the server then.
    child.unref();
    let exitReason: string | undefined;
    this.child = child;
    this.running = true;
    this.exited = new Promise<void>((resolve) => {
      const done = (reason: string) => {
        if (exitReason !== undefined) return;
        exitReason = reason;
        this.running = false;
        if (child.pid !== undefined) registry.pids.delete(child.pid);
        resolve();
      };
      child.once('exit', (code, signal) => done(`exited with ${signal ?? `code ${code}`}`));
      child.once('error', (error) => done(`could not be started: ${error.message}`));
    });
    if (child.pid !== undefined) registry.pids.add(child.pid);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exitReason !== undefined) {
        throw new Error(`PrivateMariaDb: mariadbd on port ${this.port} ${exitReason} before accepting connections:\n${this.errorLogTail()}`);
      }
      const probe = await this.probe();
      if (probe === 'ours') return;
      if (probe !== 'down') {
        this.kill();
        throw new Error(`PrivateMariaDb: port ${this.port} is answered by another server (datadir ${probe.other})`);
      }
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`PrivateMariaDb: mariadbd did not answer on port ${this.port} within ${READY_TIMEOUT_MS} ms:\n${this.errorLogTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async probe(): Promise<Probe> {
    let connection: mysql.Connection | undefined;
    try {
      connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 2_000 });
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@datadir AS datadir');
      const datadir = String(rows[0]?.['datadir'] ?? '');
      return datadir.replace(/\/+$/, '') === join(this.dir, 'data') ? 'ours' : { other: datadir };
    } catch {
      return 'down';
    } finally {
      connection?.destroy();
    }
  }
}
