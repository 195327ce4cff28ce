/**
 * One place that decides which database errors mean "the database cannot be reached right now"
 * (RELIABILITY.md cases 8 and 9). Those become StorageUnavailableError, with the original as `cause`,
 * so the core can answer "temporarily unavailable". Every other error passes through unchanged:
 * a bug or a constraint violation must stay visible.
 *
 * The checks are structural (names, codes, `meta.driverAdapterError`), not `instanceof`: the facts
 * that matter are plain data inside Prisma's errors, and the same checks then also cover raw driver
 * errors and errors wrapped in a `cause` chain.
 * tests/db/storage-unavailable.test.ts guards what the MariaDB adapter really throws.
 * @example
 * const rows = await withStorage(() => prisma.rating.findMany({ where: { userId } }));
 */
import { StorageUnavailableError } from '../../../core/ports/repositories.ts';

/** Prisma error codes that mean the server is unreachable, timed out, or out of connections. */
const UNAVAILABLE_PRISMA_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // database server timed out
  'P1008', // operation timed out (also SQLITE_BUSY after the busy timeout)
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool (Prisma's own pool)
  'P2037', // too many database connections
]);

/** `kind` of a driver adapter error (Prisma's DriverAdapterError cause) meaning the same. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'SocketTimeout', 'ConnectionClosed', 'TooManyConnections']);

/**
 * Error numbers the MariaDB connector (450xx, raised client-side) and the MySQL/MariaDB server put
 * on connection-level failures. The adapter reports these as kind "mysql" with `code`.
 */
const UNAVAILABLE_MYSQL_ERRNOS = new Set([
  45001, // ER_CONNECTION_ALREADY_CLOSED
  45004, // ER_CMD_NOT_EXECUTED_DESTROYED
  45009, // ER_SOCKET_UNEXPECTED_CLOSE
  45012, // ER_CONNECTION_TIMEOUT
  45013, // ER_CMD_CONNECTION_CLOSED
  45019, // ER_SOCKET
  45026, // ER_SOCKET_TIMEOUT
  45027, // ER_POOL_ALREADY_CLOSED
  45028, // ER_GET_CONNECTION_TIMEOUT: pool exhausted, or no connection could be opened (server down)
  45035, // ER_ADD_CONNECTION_CLOSED_POOL
  45037, // ER_CLOSING_POOL
  45039, // ER_INITIAL_TIMEOUT_ERROR
  45042, // ER_PING_TIMEOUT
  45061, // ER_POOL_NO_CONNECTION
  1040, // ER_CON_COUNT_ERROR: too many connections
  1053, // ER_SERVER_SHUTDOWN
  1152, // ER_ABORTING_CONNECTION
  1158, 1159, 1160, 1161, // network read/write errors and timeouts
  1203, // ER_TOO_MANY_USER_CONNECTIONS
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2002, 2003, 2006, 2013, // can't connect / server has gone away / lost connection
  4031, // MySQL 8: disconnected by the server because of inactivity
]);

const UNAVAILABLE_SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR)/;

/** Node socket errors, as `code` or inside a message such as "connect ECONNREFUSED 127.0.0.1:3399". */
const NETWORK_ERROR = /\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EAI_AGAIN|ENOTFOUND)\b/;

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

/** What Prisma's driver adapters attach: `{ kind, code?, originalCode?, cause? }`. */
function adapterCauseIsUnavailable(cause: Bag): boolean {
  const kind = cause['kind'];
  if (typeof kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return true;
  if (kind === 'mysql' && typeof cause['code'] === 'number' && UNAVAILABLE_MYSQL_ERRNOS.has(cause['code'])) return true;
  // SQLSTATE class 08 is "connection exception" in the SQL standard, whatever the errno.
  if (kind === 'mysql' && typeof cause['state'] === 'string' && cause['state'].startsWith('08')) return true;
  const originalCode = cause['originalCode'];
  if (typeof originalCode === 'string' && UNAVAILABLE_SQLITE_CODES.test(originalCode)) return true;
  // The connector's own reason, e.g. "connect ECONNREFUSED 127.0.0.1:3399", when the errno is generic.
  return kind === 'mysql' && typeof cause['cause'] === 'string' && NETWORK_ERROR.test(cause['cause']);
}

/**
 * True when `error` (or something in its cause chain) means the database is unreachable or has
 * no connection to give: server down, connection refused or reset, pool acquire timeout, too many
 * connections, SQLite busy or unopenable.
 */
export function isStorageUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && isBag(current); depth++) {
    if (current instanceof StorageUnavailableError) return true;
    const name = current['name'];
    // Raised when the client cannot connect at all (bad host, refused, TLS) before any query runs.
    if (name === 'PrismaClientInitializationError') return true;
    const code = current['code'];
    if (typeof code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(code) || NETWORK_ERROR.test(code) || UNAVAILABLE_SQLITE_CODES.test(code))) return true;
    // A driver error that reached us unwrapped (mariadb's SqlError, mysql2's errors).
    if (typeof current['errno'] === 'number' && 'sqlState' in current) {
      if (UNAVAILABLE_MYSQL_ERRNOS.has(current['errno'])) return true;
      if (typeof current['sqlState'] === 'string' && current['sqlState'].startsWith('08')) return true;
    }
    const meta = current['meta'];
    if (isBag(meta) && isBag(meta['driverAdapterError'])) {
      const adapterError = meta['driverAdapterError'];
      if (isBag(adapterError['cause']) && adapterCauseIsUnavailable(adapterError['cause'])) return true;
    }
    if (name === 'DriverAdapterError' && isBag(current['cause']) && adapterCauseIsUnavailable(current['cause'])) return true;
    current = current['cause'];
  }
  return false;
}

/** Prisma's P2002: the insert hit a unique key (primary key included). */
export function isUniqueViolation(error: unknown): boolean {
  return isBag(error) && error['code'] === 'P2002';
}

/**
 * Runs one repository operation, turning connection-level failures into StorageUnavailableError.
 * @example
 * return withStorage(async () => (await prisma.favorite.deleteMany({ where })).count > 0);
 */
export async function withStorage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StorageUnavailableError) throw error;
    if (isStorageUnavailable(error)) throw new StorageUnavailableError('storage unavailable: the database cannot be reached', { cause: error });
    throw error;
  }
}
