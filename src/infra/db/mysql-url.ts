/**
 * One parser for `mysql://` URLs, shared by the Prisma MariaDB adapter, mysql2 (bulk loads, locks,
 * migrations) and the tests, so they always connect to the same place with the same TLS settings.
 *
 * Query parameters: `ssl=true` turns on TLS with certificate verification (on RDS, mount Amazon's CA
 * bundle and set NODE_EXTRA_CA_CERTS); `connectTimeoutMs=…`.
 * @example
 * mysqlOptionsFromUrl('mysql://app:secret@db.internal:3306/feelms?ssl=true')
 */
export interface MysqlConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl: boolean;
  connectTimeoutMs: number;
}

export function mysqlOptionsFromUrl(raw: string): MysqlConnectionOptions {
  const url = new URL(raw);
  const ssl = url.searchParams.get('ssl');
  const timeout = Number(url.searchParams.get('connectTimeoutMs') ?? '5000');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    ssl: ssl === 'true' || ssl === '1' || ssl === 'required',
    connectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 5000,
  };
}

/** Options for mysql2's createConnection/createPool. */
export function mysql2Options(options: MysqlConnectionOptions) {
  return {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    connectTimeout: options.connectTimeoutMs,
    ...(options.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    charset: 'utf8mb4',
    timezone: 'Z' as const,
  };
}

/** The URL with its password masked, for messages. */
export function describeMysqlUrl(raw: string): string {
  const options = mysqlOptionsFromUrl(raw);
  return `mysql://${options.user}@${options.host}:${options.port}/${options.database}`;
}
