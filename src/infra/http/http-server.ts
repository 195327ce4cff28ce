/**
 * The process's one HTTP listener (HTTP_PORT): `/healthz` for load balancers and container health
 * checks, `/metrics` in Prometheus text format, and routes adapters add (the Telegram webhook).
 * Plain node:http: three routes do not need a framework.
 * @example
 * const http = new HttpServer(logger);
 * http.route('GET', '/healthz', healthHandler);
 * await http.listen(8080);
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/ports/logger.ts';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export class HttpServer {
  private readonly routes = new Map<string, RouteHandler>();
  private server: Server | null = null;

  constructor(private readonly logger: Logger) {}

  route(method: 'GET' | 'POST', path: string, handler: RouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0]!;
      const handler = this.routes.get(`${request.method ?? 'GET'} ${path}`);
      if (!handler) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      Promise.resolve()
        .then(() => handler(request, response))
        .catch((error: unknown) => {
          this.logger.error({ err: error, path }, 'http handler failed');
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('internal error\n');
        });
    });
    // Slow or idle clients must not hold shutdown open.
    server.requestTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = null;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

export interface HealthSource {
  /** Rejects when the database does not answer. */
  pingDatabase(): Promise<void>;
  scorerName(): string;
  /** Extra per-channel readiness, e.g. { telegram: 'polling' }. */
  channels(): Record<string, string>;
}

/** `/healthz`: 200 when the database answers within 2 s, else 503, with details as JSON. */
export function healthHandler(source: HealthSource, started = Date.now()): RouteHandler {
  return async (_request, response) => {
    let database = 'ok';
    try {
      await Promise.race([source.pingDatabase(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
    } catch {
      database = 'unavailable';
    }
    const body = { status: database === 'ok' ? 'ok' : 'degraded', database, models: source.scorerName(), channels: source.channels(), uptimeSeconds: Math.round((Date.now() - started) / 1000) };
    response.writeHead(database === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
}

/** Counters for `/metrics`. */
export class Metrics {
  private readonly counters = new Map<string, number>();

  increment(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${Object.keys(labels).length > 0 ? `{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/"/g, '')}"`).join(',')}}` : ''}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  handler(): RouteHandler {
    return (_request, response) => {
      const lines = [...this.counters.entries()].map(([key, value]) => `feelms_${key} ${value}`);
      lines.push(`feelms_process_resident_memory_bytes ${process.memoryUsage().rss}`);
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
    };
  }
}
