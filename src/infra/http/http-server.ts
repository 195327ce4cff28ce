/**
 * The process's one HTTP listener (HTTP_PORT, on HTTP_HOST): `/healthz` for load balancers and container health
 * checks, `/metrics` in Prometheus text format, and routes adapters add (the Telegram webhook).
 * Plain node:http: three routes do not need a framework.
 * @example
 * const http = new HttpServer(logger);
 * http.route('GET', '/healthz', healthHandler);
 * await http.listen(8080, '127.0.0.1');
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

  /** Resolves with the port (the one chosen when `port` is 0). Only loopback unless `host` says otherwise. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
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

  /** Where it listens ({ address: '127.0.0.1', family: 'IPv4', port: 8080 }), or null when it does not. */
  address(): AddressInfo | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : null;
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

/** The scorer's name while no trained models serve (src/ml/onnx-scorer.ts's PopularityScorer). */
const POPULARITY_SCORER = 'popularity';

/**
 * `/healthz`: details as JSON. 200 when the database answers within 2 s, else 503. `status` is "ok"
 * only when the trained models serve too; while the bot ranks by popularity it still answers (200)
 * but says "degraded", and `reason` says why.
 * @example
 * { "status": "degraded", "database": "ok", "models": "popularity", "reason": "no trained models loaded; ranking by popularity", … }
 */
export function healthHandler(source: HealthSource, started = Date.now()): RouteHandler {
  return async (_request, response) => {
    let database = 'ok';
    try {
      await Promise.race([source.pingDatabase(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
    } catch {
      database = 'unavailable';
    }
    const models = source.scorerName();
    const reasons = [
      ...(database === 'ok' ? [] : ['database not answering']),
      ...(models === POPULARITY_SCORER ? ['no trained models loaded; ranking by popularity'] : []),
    ];
    const body = {
      status: reasons.length === 0 ? 'ok' : 'degraded',
      database,
      models,
      ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
      channels: source.channels(),
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    };
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
