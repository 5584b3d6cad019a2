import { performance } from 'node:perf_hooks';

import { testDialects } from '@service-trust/server/testing';

import {
  FAKE_EXCHANGE_PATH,
  FAKE_INFO_PATH,
  FAKE_JWKS_PATH,
  FakeJpd,
  generateFakeKey,
  sendJson,
} from './testing/fake-jpd';
import { expectError, TestServices, type MissionControlInstance } from './testing/harness';

const PEER_TIMEOUT_MS = 500;
const PEER_MAX_RESPONSE_BYTES = 65_536;
const HUGE_BODY_BYTES = 5 * 1024 * 1024;

describe.each(testDialects())('URL policy against a hostile JPD on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;
  const fakes: FakeJpd[] = [];

  beforeAll(async () => {
    services = new TestServices(dialect, 'url-policy');
    mc = await services.startMissionControl({
      env: {
        PEER_TIMEOUT_MS: String(PEER_TIMEOUT_MS),
        PEER_MAX_RESPONSE_BYTES: String(PEER_MAX_RESPONSE_BYTES),
      },
    });
  });

  afterAll(async () => {
    for (const fake of fakes) await fake.close();
    await services?.closeAll();
  });

  /** Starts a fake JPD that the suite stops at the end. */
  const startFake = async () => {
    const fake = await FakeJpd.start();
    fakes.push(fake);
    return fake;
  };

  const addJpdWith = (url: string, token: string) =>
    mc.request('/jpds', { method: 'POST', json: { name: `hostile-${url}`, url, token } });

  const listByUrl = async (url: string) =>
    (await mc.request(`/jpds?url=${encodeURIComponent(url)}`)).body;

  it('pairs with a fake that behaves', async () => {
    // Shows that the fake is good enough to pair with, so every rejection below has one cause.
    const fake = await startFake();
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);
    const [exchange] = fake.requestsTo(FAKE_EXCHANGE_PATH);

    expect(response.status).toBe(201);
    expect(response.body.service_id).toBe(fake.serviceId);
    expect(response.body.status.code).toBe('ONLINE');
    expect(exchange.headers.authorization).toBe(`Bearer ${token}`);
    expect(JSON.parse(exchange.body)).toEqual({
      service_id: mc.serviceId,
      base_url: mc.baseUrl,
      name: 'mission-control',
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('rejects an exchange_url on another origin', async () => {
    const fake = await startFake();
    const elsewhere = await startFake();
    const token = await fake.signPairingToken({ ext: { exchange_url: elsewhere.exchangeUrl } });

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(
      response,
      400,
      'URL_REJECTED',
      new RegExp(`exchange_url is not on the origin ${fake.baseUrl}`),
    );
    expect(elsewhere.requests).toEqual([]);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('rejects a pairing_url on another origin', async () => {
    const fake = await startFake();
    const elsewhere = await startFake();
    const token = await fake.signPairingToken({
      ext: {
        pairing_url: `${elsewhere.baseUrl}/access/api/v1/service_trust/pairing/mission-control`,
      },
    });

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(
      response,
      400,
      'URL_REJECTED',
      new RegExp(`pairing_url is not on the origin ${fake.baseUrl}`),
    );
    expect(elsewhere.requests).toEqual([]);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('rejects an exchange_url on the same host but another scheme', async () => {
    const fake = await startFake();
    const token = await fake.signPairingToken({
      ext: { exchange_url: `https://127.0.0.1:${fake.port}${FAKE_EXCHANGE_PATH}` },
    });

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'URL_REJECTED', /exchange_url is not on the origin/);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('rejects a token whose signature does not match the JWKS', async () => {
    const fake = await startFake();
    const otherKey = await generateFakeKey();
    // The token names the published kid, but another private key signed it.
    otherKey.signing = { ...otherKey.signing, kid: fake.key.pair.kid };
    const token = await fake.signPairingToken({ key: otherKey });

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'INVALID_TOKEN', /signature does not match/);
    expect(fake.requestsTo(FAKE_JWKS_PATH)).toHaveLength(1);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('rejects a master token signed with another key', async () => {
    const fake = await startFake();
    const otherKey = await generateFakeKey();
    fake.on('POST', FAKE_EXCHANGE_PATH, async (_req, res) =>
      sendJson(res, 200, await fake.exchangeResponse(otherKey)),
    );
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'INVALID_TOKEN', /signature does not match/);
    expect(await listByUrl(fake.baseUrl)).toEqual([]);
  });

  it('rejects a token whose audience is not its issuer', async () => {
    const fake = await startFake();
    const token = await fake.signPairingToken({ claims: { aud: 'jfmc@someone-else' } });

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'INVALID_TOKEN', /audience is not its issuer/);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('reports a token the JPD holds used as a conflict', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) =>
      sendJson(res, 409, {
        errors: [
          { code: 'ERR_PAIRING_TOKEN_CONSUMED', message: 'The pairing token was already used.' },
        ],
      }),
    );
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 409, 'TOKEN_ALREADY_USED', /already used/);
  });

  it('passes on the reason of a failed exchange', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) =>
      sendJson(res, 500, {
        errors: [{ code: 'INTERNAL_ERROR', message: 'The database is down.' }],
      }),
    );
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'PAIRING_REJECTED', /HTTP 500: The database is down\./);
    expect(await listByUrl(fake.baseUrl)).toEqual([]);
  });

  it('rejects an exchange answer that is not a master token', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) =>
      sendJson(res, 200, { access_token: 'x', token_type: 'Bearer' }),
    );
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'PAIRING_REJECTED', /invalid body/);
    expect(await listByUrl(fake.baseUrl)).toEqual([]);
  });

  it('rejects an exchange answer that is not JSON', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>welcome</html>');
    });
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'JPD_UNREACHABLE', /not JSON/);
  });

  it('does not follow a redirect from the exchange URL', async () => {
    const fake = await startFake();
    const target = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) => {
      res.writeHead(302, { location: target.exchangeUrl });
      res.end();
    });
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'JPD_UNREACHABLE', /redirect \(302\), which is not followed/);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toHaveLength(1);
    expect(target.requests).toEqual([]);
  });

  it('does not follow a redirect from the JWKS URL', async () => {
    const fake = await startFake();
    const target = await startFake();
    fake.on('GET', FAKE_JWKS_PATH, (_req, res) => {
      res.writeHead(307, { location: `${target.baseUrl}${FAKE_JWKS_PATH}` });
      res.end();
    });
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'JPD_UNREACHABLE', /redirect \(307\)/);
    expect(target.requests).toEqual([]);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('rejects a JPD that serves no JWKS', async () => {
    const fake = await startFake();
    fake.on('GET', FAKE_JWKS_PATH, (_req, res) =>
      sendJson(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no' }] }),
    );
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(response, 400, 'JPD_UNREACHABLE', /did not serve its public keys \(HTTP 404\)/);
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toEqual([]);
  });

  it('gives up on an exchange URL that never answers', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, () => undefined);
    const token = await fake.signPairingToken();

    const started = performance.now();
    const response = await addJpdWith(fake.baseUrl, token);
    const elapsedMs = performance.now() - started;

    expectError(
      response,
      400,
      'JPD_UNREACHABLE',
      new RegExp(`timed out: no response within ${PEER_TIMEOUT_MS} ms`),
    );
    expect(fake.requestsTo(FAKE_EXCHANGE_PATH)).toHaveLength(1);
    // The bound only has to tell the configured timeout from the 5 s default.
    expect(elapsedMs).toBeLessThan(4_000);
  });

  it('gives up on an exchange body that stalls', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token": "');
    });
    const token = await fake.signPairingToken();

    const started = performance.now();
    const response = await addJpdWith(fake.baseUrl, token);
    const elapsedMs = performance.now() - started;

    expectError(
      response,
      400,
      'JPD_UNREACHABLE',
      new RegExp(`timed out: no response within ${PEER_TIMEOUT_MS} ms`),
    );
    expect(elapsedMs).toBeLessThan(4_000);
  });

  it('rejects a 5 MB exchange answer with a length', async () => {
    const fake = await startFake();
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': HUGE_BODY_BYTES });
      res.end(Buffer.alloc(HUGE_BODY_BYTES, 0x20));
    });
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(
      response,
      400,
      'JPD_UNREACHABLE',
      new RegExp(`larger than ${PEER_MAX_RESPONSE_BYTES} bytes`),
    );
    expect(await listByUrl(fake.baseUrl)).toEqual([]);
  });

  it('rejects a 5 MB exchange answer without a length', async () => {
    const fake = await startFake();
    let sentBytes = 0;
    fake.on('POST', FAKE_EXCHANGE_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const writeMore = () => {
        while (sentBytes < HUGE_BODY_BYTES && !res.destroyed) {
          sentBytes += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', writeMore);
            return;
          }
        }
        res.end();
      };
      writeMore();
    });
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expectError(
      response,
      400,
      'JPD_UNREACHABLE',
      new RegExp(`larger than ${PEER_MAX_RESPONSE_BYTES} bytes`),
    );
    expect(await listByUrl(fake.baseUrl)).toEqual([]);
  });

  it('adds a JPD whose first probe fails as OFFLINE', async () => {
    const fake = await startFake();
    fake.on('GET', FAKE_INFO_PATH, (_req, res) =>
      sendJson(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'starting' }] }),
    );
    const token = await fake.signPairingToken();

    const response = await addJpdWith(fake.baseUrl, token);

    expect(response.status).toBe(201);
    expect(response.body.status).toMatchObject({
      code: 'OFFLINE',
      message: expect.stringMatching(/HTTP 503/),
    });
  });

  it('keeps the master token from a redirect of the probe', async () => {
    const fake = await startFake();
    const target = await startFake();
    const token = await fake.signPairingToken();
    const added = await addJpdWith(fake.baseUrl, token);
    fake.on('GET', FAKE_INFO_PATH, (_req, res) => {
      res.writeHead(302, { location: `${target.baseUrl}${FAKE_INFO_PATH}` });
      res.end();
    });

    const probe = await mc.request(`/jpds/${added.body.id}/probe`, { method: 'POST' });

    expect(added.status).toBe(201);
    expect(probe.body.status).toMatchObject({
      code: 'OFFLINE',
      message: expect.stringMatching(/redirect \(302\)/),
    });
    expect(target.requests).toEqual([]);
  });

  it('rejects a base_url on the cloud metadata address', async () => {
    // The fake signs a token for http://169.254.169.254. The policy rejects that address before
    // any request, so none is sent there.
    const fake = await startFake();
    const metadataUrl = 'http://169.254.169.254';
    const token = await fake.signPairingToken({
      ext: { base_url: metadataUrl, exchange_url: `${metadataUrl}${FAKE_EXCHANGE_PATH}` },
    });

    const response = await addJpdWith(metadataUrl, token);

    // A request that was sent and failed would give JPD_UNREACHABLE instead.
    expectError(
      response,
      400,
      'URL_REJECTED',
      /169\.254\.169\.254 is a link-local or cloud metadata address/,
    );
    expect(fake.requests).toEqual([]);
  });
});
