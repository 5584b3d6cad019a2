import fs from 'node:fs';
import { request as httpRequest } from 'node:http';

import { requestJson, testDialects } from '@service-trust/server/testing';

import {
  captureLogs,
  exchange,
  exchangeOrThrow,
  exchangeRequest,
  expectError,
  issuePairingToken,
  startAccess,
  type AccessInstance,
} from './test-harness';

/** Sends a raw POST, for bodies that fetch would not send as they are. */
function rawPost(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe.each(testDialects())('hostile input on %s', (dialect) => {
  let access: AccessInstance;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    access = await startAccess({ dialect, logger: logs.logger });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('keeps another consumer pairing when a stranger claims its URL', async () => {
    const victim = exchangeRequest('http://127.0.0.1:18200', 'jfmc@01victim');
    const master = await exchangeOrThrow(
      access,
      (await issuePairingToken(access)).pairing_token,
      victim,
    );

    const stranger = await exchange(
      access,
      (await issuePairingToken(access)).pairing_token,
      exchangeRequest('http://127.0.0.1:18200', 'jfmc@01stranger'),
    );

    expect(stranger.status).toBe(200);
    const info = await requestJson(access.url('/system/info'), {
      authorization: `Bearer ${master.access_token}`,
    });
    expect(info.status).toBe(200);
  });

  it('rejects a NUL byte in Basic credentials', async () => {
    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: `Basic ${Buffer.from('ad\u0000min:x').toString('base64')}`,
    });

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('rejects a NUL byte in the exchange body', async () => {
    const issued = await issuePairingToken(access);

    const response = await exchange(access, issued.pairing_token, {
      service_id: 'jfmc@\u0000x',
      base_url: 'http://127.0.0.1:18201',
    });

    expectError(response, 400, 'INVALID_REQUEST');
    expect(response.body.errors[0].message).toMatch(/NUL/);
    expect((await exchange(access, issued.pairing_token)).status).toBe(200);
  });

  it('rejects a body that does not decompress', async () => {
    const response = await rawPost(
      access.url('/service_trust/exchange'),
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      Buffer.from('not gzip'),
    );

    expect(response.status).toBe(400);
    expect(response.body.errors[0].code).toBe('INVALID_REQUEST');
  });

  it('leaves query strings out of the log', async () => {
    const secret = 'query-secret-value';

    const response = await requestJson(access.url(`/system/ping?password=${secret}`));

    expect(response.status).toBe(200);
    expect(logs.text()).toContain('/system/ping');
    expect(logs.text()).not.toContain(secret);
  });

  it('caps a token created with a token at its lifetime', async () => {
    const parent = await requestJson(access.url('/tokens'), {
      method: 'POST',
      authorization: access.admin,
      json: { expires_in: 120 },
    });
    expect(parent.status).toBe(200);

    const child = await requestJson(access.url('/tokens'), {
      method: 'POST',
      authorization: `Bearer ${parent.body.access_token}`,
      json: { expires_in: 365 * 24 * 60 * 60 },
    });

    expect(child.status).toBe(200);
    expect(child.body.expires_in).toBeLessThanOrEqual(120);
    expect(child.body.expires_in).toBeGreaterThan(0);
  });

  it.each([
    ['arrays', (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`],
    ['objects', (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
  ])('rejects JSON nested 10,000 deep in %s and keeps the token', async (_label, nest) => {
    const issued = await issuePairingToken(access);

    const whole = await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
      body: nest(10_000),
    });
    const inField = await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
      body: `{"service_id":${nest(10_000)},"base_url":"http://127.0.0.1:18080"}`,
    });
    const atAdmin = await requestJson(access.url('/service_trust/pairing/mission-control'), {
      method: 'POST',
      authorization: access.admin,
      body: nest(10_000),
    });

    expectError(whole, 400, 'INVALID_REQUEST');
    expectError(inField, 400, 'INVALID_REQUEST');
    expectError(atAdmin, 400, 'INVALID_REQUEST');
    expect((await exchange(access, issued.pairing_token)).status).toBe(200);
  });

  it('creates the data folder readable by its owner only', () => {
    expect(fs.statSync(access.dataDir).mode & 0o777).toBe(0o700);
  });
});

describe.each(testDialects())('rate limits on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({
      dialect,
      env: { EXCHANGE_RATE_LIMIT_PER_MINUTE: '3', LOGIN_FAILURE_LIMIT_PER_MINUTE: '2' },
    });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('answers 429 past the exchange limit', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await exchange(access, 'not-a-token')).status);
    }

    const limited = await exchange(access, 'not-a-token');

    expect(statuses).toEqual([401, 401, 401]);
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('refuses logins after repeated failures, before checking the password', async () => {
    const wrong = `Basic ${Buffer.from('admin:wrong-password').toString('base64')}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      expectError(
        await requestJson(access.url('/service_trust/pairings'), { authorization: wrong }),
        401,
        'UNAUTHORIZED',
      );
    }

    const limited = await requestJson(access.url('/service_trust/pairings'), {
      authorization: access.admin,
    });

    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
