/**
 * Prisma client factory: one code path over two databases (driver adapters, no Rust engine).
 *
 * Both generated clients expose the same model API; repositories are typed against the MySQL one
 * (`PrismaDb`), and the SQLite client is used through that type. The repository contract suite
 * (tests/db/repositories.test.ts) runs against both, which is what keeps this honest.
 * @example
 * const db = await openDatabase(config.database, { poolSize: 10 });
 * await db.prisma.movie.count();
 * await db.close();
 */
import { connect } from 'node:net';
import type { DatabaseConfig } from '../../config.ts';
import type { PrismaClient as MysqlPrismaClient } from './generated/mysql/client.ts';
import { mysqlOptionsFromUrl } from './mysql-url.ts';

export type PrismaDb = MysqlPrismaClient;
export type { Prisma } from './generated/mysql/client.ts';

export interface Database {
  kind: DatabaseConfig['kind'];
  prisma: PrismaDb;
  config: DatabaseConfig;
  /** Cheap round trip for /healthz. */
  ping(): Promise<void>;
  /**
   * Whether the server accepts connections at all, checked outside the pool (a TCP connect, at most
   * `timeoutMs`): when a query hangs, this tells "down" from "slow" in well under the pool's acquire
   * timeout. Always true for SQLite.
   */
  reachable(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  /** How long a query waits for a pooled connection before failing fast (ms). */
  acquireTimeoutMs?: number;
}

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  // Only the configured database's client and adapter are loaded: each generated client carries its
  // own query compiler (a 4.5 MB WebAssembly module in a string), so loading both costs memory for nothing.
  let prisma: PrismaDb;
  let reachable: (timeoutMs?: number) => Promise<boolean> = () => Promise.resolve(true);
  if (config.kind === 'sqlite') {
    const [{ PrismaBetterSqlite3 }, { PrismaClient: SqlitePrismaClient }] = await Promise.all([
      import('@prisma/adapter-better-sqlite3'),
      import('./generated/sqlite/client.ts'),
    ]);
    const adapter = new PrismaBetterSqlite3({ url: config.file, timeout: 10_000 });
    prisma = new SqlitePrismaClient({ adapter }) as unknown as PrismaDb;
  } else {
    const [{ PrismaMariaDb }, { PrismaClient: MysqlPrismaClient }] = await Promise.all([
      import('@prisma/adapter-mariadb'),
      import('./generated/mysql/client.ts'),
    ]);
    const mysql = mysqlOptionsFromUrl(config.url);
    reachable = (timeoutMs = 500) => canConnect(mysql.host, mysql.port, timeoutMs);
    const adapter = new PrismaMariaDb({
      host: mysql.host,
      port: mysql.port,
      user: mysql.user,
      password: mysql.password,
      database: mysql.database,
      connectionLimit: options.poolSize ?? 10,
      // Fail fast when the pool is exhausted or the server is gone, so the bot can answer
      // "temporarily unavailable" instead of hanging past Discord's 3 s window.
      acquireTimeout: options.acquireTimeoutMs ?? 4_000,
      connectTimeout: mysql.connectTimeoutMs,
      ...(mysql.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
      // MySQL 8 defaults to caching_sha2_password; allow the RSA key exchange on non-TLS links.
      allowPublicKeyRetrieval: true,
      // MySQL cuts GROUP_CONCAT at 1,024 bytes by default; the user history reads recently shown
      // movies as one list (prisma-user-history-repository.ts), and re-reads a cut list row by row.
      // READ COMMITTED for the session, so a turn's transaction needs no extra SET TRANSACTION round
      // trip (src/infra/db/transaction-scope.ts explains why turns want it).
      initSql: ['SET SESSION group_concat_max_len = 4194304', 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'],
    }, { useTextProtocol: true });
    prisma = new MysqlPrismaClient({ adapter });
  }
  await prisma.$connect();
  if (config.kind === 'sqlite') {
    // WAL (set by the migrations) with NORMAL sync: a commit survives a crash of the process (kill -9),
    // and only an OS crash can lose the last ones. FULL would fsync every commit: ~15 ms each here,
    // which capped delivery's inbox at ~60 updates/s. Production runs on MySQL, whose flush policy is the server's.
    await prisma.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  }
  return {
    kind: config.kind,
    prisma,
    config,
    ping: async () => {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
    reachable,
    close: () => prisma.$disconnect(),
  };
}

/** True when a TCP connection to host:port opens within `timeoutMs` (closed at once). */
function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
