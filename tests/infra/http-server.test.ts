/**
 * The process's HTTP listener (src/infra/http/http-server.ts): it binds to the host it is given
 * (HTTP_HOST), and `/healthz` tells "serving with the trained models" from "serving by popularity".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { healthHandler, HttpServer, type HealthSource } from '../../src/infra/http/http-server.ts';

let http: HttpServer | undefined;

afterEach(async () => {
  await http?.close();
  http = undefined;
});

function source(models: string, database: 'ok' | 'down' = 'ok'): HealthSource {
  return {
    pingDatabase: () => (database === 'ok' ? Promise.resolve() : Promise.reject(new Error('connection refused'))),
    scorerName: () => models,
    channels: () => ({ telegram: 'polling' }),
  };
}

async function healthz(models: string, database: 'ok' | 'down' = 'ok'): Promise<{ status: number; body: Record<string, unknown> }> {
  http = new HttpServer(silentLogger);
  http.route('GET', '/healthz', healthHandler(source(models, database)));
  const port = await http.listen(0, '127.0.0.1');
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/healthz', () => {
  it('GIVEN the trained ONNX models serve and the database answers THEN 200 with status "ok" and no reason', async () => {
    const { status, body } = await healthz('onnx:2025-01-01T00-00-00Z');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', database: 'ok', models: 'onnx:2025-01-01T00-00-00Z', channels: { telegram: 'polling' } });
    expect(body).not.toHaveProperty('reason');
  });

  it('GIVEN the popularity fallback serves (no models) THEN still 200 (the bot answers) but status "degraded", saying why', async () => {
    const { status, body } = await healthz('popularity');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'degraded', database: 'ok', models: 'popularity', reason: 'no trained models loaded; ranking by popularity' });
  });

  it('GIVEN the database does not answer THEN 503, status "degraded", with the reason', async () => {
    const { status, body } = await healthz('onnx:v1', 'down');
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'degraded', database: 'unavailable', reason: 'database not answering' });
  });

  it('GIVEN no database and no models THEN 503 and both reasons', async () => {
    const { status, body } = await healthz('popularity', 'down');
    expect(status).toBe(503);
    expect(body['reason']).toBe('database not answering; no trained models loaded; ranking by popularity');
  });
});

describe('HttpServer.listen', () => {
  it('GIVEN a host (HTTP_HOST) THEN it listens there: address() reports the host, and it answers on it', async () => {
    http = new HttpServer(silentLogger);
    http.route('GET', '/ping', (_request, response) => void response.writeHead(200).end('pong'));
    const port = await http.listen(0, '127.0.0.1');
    expect(http.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
    expect(await (await fetch(`http://127.0.0.1:${port}/ping`)).text()).toBe('pong');
  });

  it('GIVEN no host THEN it binds to 127.0.0.1 only, never every interface', async () => {
    http = new HttpServer(silentLogger);
    await http.listen(0);
    expect(http.address()?.address).toBe('127.0.0.1');
  });

  it('GIVEN it is not listening THEN address() is null', async () => {
    http = new HttpServer(silentLogger);
    expect(http.address()).toBeNull();
    await http.listen(0, '127.0.0.1');
    await http.close();
    expect(http.address()).toBeNull();
  });
});
