import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

import { exchangeRequestSchema } from '@service-trust/pairing-protocol';
import { listRoutes } from '@service-trust/server';
import {
  createTestDatabase,
  makeTempDir,
  removeDir,
  requestJson,
  testDialects,
} from '@service-trust/server/testing';
import { z } from 'zod';

import {
  ADMIN_PASSWORD,
  captureLogs,
  exchange,
  exchangeOrThrow,
  expectError,
  issuePairingToken,
  JWT_PATTERN,
  startAccess,
  type AccessInstance,
} from './test-harness';

/** Reads the value of one sample from a Prometheus text exposition, or undefined. */
function sample(
  metrics: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of metrics.split('\n')) {
    const match = /^([\w:]+)(?:\{(.*)\})? ([\d.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe.each(testDialects())('operations endpoints on %s', (dialect) => {
  let access: AccessInstance;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    access = await startAccess({ dialect, logger: logs.logger });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  const root = (path: string) => `${access.baseUrl}${path}`;

  it('healthz and readyz report up and ready', async () => {
    const health = await requestJson(root('/healthz'));
    const ready = await requestJson(root('/readyz'));

    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'UP' });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'READY' });
  });

  it('metrics count pairing tokens, exchanges, replays and revocations', async () => {
    const issued = await issuePairingToken(access);
    await exchangeOrThrow(access, issued.pairing_token);
    const replayed = await exchange(access, issued.pairing_token);
    const invalid = await exchange(access, 'not-a-token');
    const master = await exchangeOrThrow(access, (await issuePairingToken(access)).pairing_token, {
      service_id: 'jfmc@other',
      base_url: 'http://127.0.0.1:18081',
    });
    const revoked = await requestJson(access.url(`/tokens/${master.token_id}`), {
      method: 'DELETE',
      authorization: access.admin,
    });

    const response = await requestJson(root('/metrics'));
    const text = response.body as string;

    expect(replayed.status).toBe(409);
    expect(invalid.status).toBe(401);
    expect(revoked.status).toBe(204);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const issuedCount = { use_case: 'mission-control' };
    expect(sample(text, 'service_trust_pairing_tokens_issued_total', issuedCount)).toBe(2);
    expect(sample(text, 'service_trust_exchanges_total', { outcome: 'success' })).toBe(2);
    expect(sample(text, 'service_trust_exchanges_total', { outcome: 'replayed' })).toBe(1);
    expect(sample(text, 'service_trust_exchanges_total', { outcome: 'invalid_token' })).toBe(1);
    expect(sample(text, 'service_trust_pairing_token_replays_total')).toBe(1);
    expect(sample(text, 'service_trust_token_revocations_total', { kind: 'master' })).toBe(1);
    const exchangeRoute = {
      route: '/access/api/v1/service_trust/exchange',
      method: 'POST',
      status_code: '200',
    };
    expect(sample(text, 'http_request_duration_seconds_count', exchangeRoute)).toBe(2);
    const tokenRoute = { route: '/access/api/v1/tokens/:id', method: 'DELETE' };
    expect(sample(text, 'http_request_duration_seconds_count', tokenRoute)).toBe(1);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).not.toMatch(JWT_PATTERN);
  });

  it('logs carry the request id and service id and no secret', async () => {
    const requestId = `observability-${dialect}`;
    const issued = await requestJson(access.url('/service_trust/pairing/mission-control'), {
      method: 'POST',
      authorization: access.admin,
      headers: { 'x-request-id': requestId },
    });
    await exchangeOrThrow(access, issued.body.pairing_token);

    const lines = logs
      .text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const ofRequest = lines.filter((line) => line.reqId === requestId);

    expect(issued.headers.get('x-request-id')).toBe(requestId);
    expect(ofRequest.map((line) => line.msg)).toEqual([
      'pairing_token.issued',
      'request completed',
    ]);
    for (const line of ofRequest) expect(line.serviceId).toBe(access.serviceId);
    // Every line written during any request carries that request's id.
    for (const line of lines.filter((entry) => entry.req)) expect(line.reqId).toBe(line.req.id);
    expect(logs.text()).not.toMatch(JWT_PATTERN);
    expect(logs.text()).not.toContain(ADMIN_PASSWORD);
  });

  it('OpenAPI document lists every route', async () => {
    const response = await requestJson(root('/openapi.json'));
    const document = response.body;
    const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(
      ([path, methods]) =>
        Object.keys(methods).map(
          (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
    );
    const served = listRoutes(access.service.app);

    expect(response.status).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !served.includes(route))).toEqual([]);
  });

  it('OpenAPI request bodies come from the validating schemas', async () => {
    const { body: document } = await requestJson(root('/openapi.json'));
    const exchangeBody =
      document.paths['/access/api/v1/service_trust/exchange'].post.requestBody.content[
        'application/json'
      ].schema;
    const { $schema: _, ...expected } = z.toJSONSchema(exchangeRequestSchema, { io: 'input' });

    expect(exchangeBody).toEqual(expected);
    expect(exchangeBody.required).toEqual(['service_id', 'base_url']);
    expect(exchangeBody.additionalProperties).toBe(false);
  });

  it('API reference page shows every path', async () => {
    const [page, { body: document }] = await Promise.all([
      fetch(root('/api-docs')),
      requestJson(root('/openapi.json')),
    ]);
    const html = await page.text();

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    for (const path of Object.keys(document.paths)) expect(html).toContain(path);
  });
});

/** Starts a TCP relay to PostgreSQL that a test can cut, which makes the database unreachable. */
async function startRelay(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const onPostgres = testDialects().includes('postgres') ? describe : describe.skip;

onPostgres('readiness without a database', () => {
  it('readyz returns 503 when PostgreSQL is unreachable', async () => {
    const dir = makeTempDir('readyz');
    const database = await createTestDatabase('postgres', dir);
    const relay = await startRelay(new URL(database.url));
    const relayedUrl = new URL(database.url);
    relayedUrl.port = String(relay.port);
    const access = await startAccess({ databaseUrl: relayedUrl.toString(), dataDir: dir });

    try {
      const before = await requestJson(`${access.baseUrl}/readyz`);
      await relay.cut();
      const after = await requestJson(`${access.baseUrl}/readyz`);
      const health = await requestJson(`${access.baseUrl}/healthz`);

      expect(before.status).toBe(200);
      expectError(after, 503, 'DATABASE_UNAVAILABLE');
      expect(health.status).toBe(200);
    } finally {
      await access.close();
      await database.drop();
      removeDir(dir);
    }
  });
});
