import { randomUUID } from 'node:crypto';

import { encodePairingExtension, pairingScope, signToken } from '@service-trust/pairing-protocol';
import { requestJson, testDialects } from '@service-trust/server/testing';
import { SignJWT } from 'jose';

import { VERSION } from './access-service';
import {
  decodeJwtPart,
  exchange,
  exchangeOrThrow,
  exchangeRequest,
  expectError,
  issuePairingToken,
  startAccess,
  tokenState,
  UUID_PATTERN,
  type AccessInstance,
  type ExchangeBody,
} from './test-harness';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const MASTER_SCOPE = 'system:info:r service-trust:pairing:w';

/** Replaces one character in the middle of the payload, keeping the header and signature. */
function tamperPayload(token: string): string {
  const [header, payload, signature] = token.split('.');
  const index = Math.floor(payload.length / 2);
  const replacement = payload[index] === 'A' ? 'B' : 'A';
  return [
    header,
    `${payload.slice(0, index)}${replacement}${payload.slice(index + 1)}`,
    signature,
  ].join('.');
}

describe.each(testDialects())('pairing token exchange on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('returns a master token', async () => {
    const issued = await issuePairingToken(access);

    const response = await exchange(access, issued.pairing_token);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_id: expect.stringMatching(UUID_PATTERN),
      expires_in: ONE_YEAR_SECONDS,
      scope: MASTER_SCOPE,
      token_type: 'Bearer',
    });
  });

  it('signs the master token as an access JWT', async () => {
    const issued = await issuePairingToken(access);
    const request = exchangeRequest('http://127.0.0.1:18081');

    const master = await exchangeOrThrow(access, issued.pairing_token, request);

    expect(decodeJwtPart(master.access_token, 0).typ).toBe('at+jwt');
    const claims = decodeJwtPart(master.access_token, 1);
    expect(claims.iss).toBe(access.serviceId);
    expect(claims.aud).toBe(access.serviceId);
    expect(claims.sub).toBe(`${access.serviceId}/services/${request.service_id}`);
    expect(claims.scp).toBe(MASTER_SCOPE);
    expect(claims.jti).toBe(master.token_id);
  });

  it('accepts the exchange URL from the token', async () => {
    const issued = await issuePairingToken(access);
    const ext = JSON.parse(decodeJwtPart(issued.pairing_token, 1).ext);

    const response = await requestJson(ext.exchange_url, {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
      json: exchangeRequest('http://127.0.0.1:18082'),
    });

    expect(response.status).toBe(200);
  });

  it('marks the pairing token used', async () => {
    const issued = await issuePairingToken(access);

    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18083'),
    );

    const pairingState = await tokenState(access, issued.token_id);
    const masterState = await tokenState(access, master.token_id);
    expect(pairingState.body.status).toBe('used');
    expect(masterState.body.kind).toBe('master');
    expect(masterState.body.status).toBe('active');
    expect(masterState.body.use_case).toBe('mission-control');
  });

  it('lets the master token read system info', async () => {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18084'),
    );

    const response = await requestJson(access.url('/system/info'), {
      authorization: `Bearer ${master.access_token}`,
    });

    expect(response.status).toBe(200);
    expect(response.body.service_id).toBe(access.serviceId);
    expect(response.body.version).toBe(VERSION);
  });

  it.each([
    ['GET', '/service_trust/pairings'],
    ['POST', '/service_trust/pairing/mission-control'],
    ['POST', '/tokens'],
  ])('forbids the master token at %s %s', async (method, path) => {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18085'),
    );

    const response = await requestJson(access.url(path), {
      method,
      authorization: `Bearer ${master.access_token}`,
    });

    expectError(response, 403, 'FORBIDDEN');
  });

  it('forbids the master token at token lookup', async () => {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18086'),
    );

    const response = await requestJson(access.url(`/tokens/${master.token_id}`), {
      authorization: `Bearer ${master.access_token}`,
    });

    expectError(response, 403, 'FORBIDDEN');
  });

  it('rejects a replayed pairing token', async () => {
    const issued = await issuePairingToken(access);
    await exchangeOrThrow(access, issued.pairing_token, exchangeRequest('http://127.0.0.1:18087'));

    const replay = await exchange(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18088'),
    );

    expectError(replay, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
  });

  it('records an audit event for a replay', async () => {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18089'),
    );
    await exchange(access, issued.pairing_token);

    const events = await access.service.context.tokens.auditEventsOf(issued.token_id);
    const pairings = await requestJson(access.url('/service_trust/pairings'), {
      authorization: access.admin,
    });
    const pairing = pairings.body.pairings.find(
      (entry: { master_token_id: string }) => entry.master_token_id === master.token_id,
    );

    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('pairing_token.replayed');
    expect(events[0].tokenId).toBe(issued.token_id);
    expect(pairing).toBeDefined();
    expect(events[0].pairingId).toBe(pairing.id);
  });

  it('rejects a missing Authorization header', async () => {
    const response = await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      json: exchangeRequest(),
    });

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects Basic credentials', async () => {
    const response = await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      authorization: access.admin,
      json: exchangeRequest(),
    });

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects a non-JWT bearer value', async () => {
    const response = await exchange(access, 'not-a-jwt');

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects an admin access token', async () => {
    const created = await requestJson<ExchangeBody>(access.url('/tokens'), {
      method: 'POST',
      authorization: access.admin,
    });

    const response = await exchange(access, created.body.access_token);

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects a master token', async () => {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18090'),
    );

    const response = await exchange(
      access,
      master.access_token,
      exchangeRequest('http://127.0.0.1:18091'),
    );

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects a tampered token without consuming it', async () => {
    const issued = await issuePairingToken(access);

    const tampered = await exchange(access, tamperPayload(issued.pairing_token));
    const state = await tokenState(access, issued.token_id);
    const genuine = await exchange(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18092'),
    );

    expectError(tampered, 401, 'INVALID_TOKEN');
    expect(state.body.status).toBe('active');
    expect(genuine.status).toBe(200);
  });

  it('rejects a token with a stripped signature', async () => {
    const issued = await issuePairingToken(access);
    const [header, payload] = issued.pairing_token.split('.');

    const response = await exchange(access, `${header}.${payload}.`);

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects a revoked pairing token', async () => {
    const issued = await issuePairingToken(access);
    const revoked = await requestJson(access.url(`/tokens/${issued.token_id}`), {
      method: 'DELETE',
      authorization: access.admin,
    });

    const response = await exchange(access, issued.pairing_token);
    const state = await tokenState(access, issued.token_id);

    expect(revoked.status).toBe(204);
    expectError(response, 401, 'INVALID_TOKEN');
    expect(state.body.status).toBe('revoked');
  });

  /** Signs a pairing token with the service's own key, bypassing issuance and its stored record. */
  async function signWithServiceKey(
    overrides: { aud?: string; jti?: string } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return signToken({
      key: access.service.context.keys.signingKey,
      typ: 'pairing+jwt',
      claims: {
        iss: access.serviceId,
        aud: overrides.aud ?? access.serviceId,
        sub: `${access.serviceId}/users/admin`,
        scp: pairingScope('mission-control'),
        jti: overrides.jti ?? randomUUID(),
        exp: now + 300,
        ext: encodePairingExtension({
          base_url: access.baseUrl,
          exchange_url: access.url('/service_trust/exchange'),
        }),
      },
    });
  }

  it('rejects a signed token never issued', async () => {
    const token = await signWithServiceKey();

    const response = await exchange(access, token);

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects a token for another audience', async () => {
    const issued = await issuePairingToken(access);
    const token = await signWithServiceKey({
      aud: 'jfac@01jsomeotheraccessservice0',
      jti: issued.token_id,
    });

    const response = await exchange(access, token);
    const state = await tokenState(access, issued.token_id);

    expectError(response, 401, 'INVALID_TOKEN');
    expect(state.body.status).toBe('active');
  });

  it('rejects an HS256 token keyed with the public key', async () => {
    const issued = await issuePairingToken(access);
    const jwks = await requestJson(access.url('/keys/jwks'));
    const claims = decodeJwtPart(issued.pairing_token, 1);
    const secret = new TextEncoder().encode(JSON.stringify(jwks.body.keys[0]));
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'pairing+jwt', kid: jwks.body.keys[0].kid })
      .sign(secret);

    const response = await exchange(access, token);
    const state = await tokenState(access, issued.token_id);

    expectError(response, 401, 'INVALID_TOKEN');
    expect(state.body.status).toBe('active');
  });

  it('rejects an oversized token', async () => {
    const response = await exchange(access, `${'a'.repeat(9000)}.b.c`);

    expectError(response, 401, 'INVALID_TOKEN');
  });

  it('rejects an oversized body', async () => {
    const issued = await issuePairingToken(access);

    const rejected = await exchange(access, issued.pairing_token, {
      ...exchangeRequest(),
      name: 'x'.repeat(70_000),
    });
    const state = await tokenState(access, issued.token_id);

    expectError(rejected, 413, 'PAYLOAD_TOO_LARGE');
    expect(state.body.status).toBe('active');
  });

  it.each([
    ['a missing service_id', { base_url: 'http://127.0.0.1:18093' }],
    ['a missing base_url', { service_id: 'jfmc@01jtestmissioncontrol000' }],
    ['an ftp base_url', { ...exchangeRequest(), base_url: 'ftp://127.0.0.1/mc' }],
    ['a base_url that is no URL', { ...exchangeRequest(), base_url: 'mission control' }],
    [
      'a base_url with credentials',
      { ...exchangeRequest(), base_url: 'http://user:secret@127.0.0.1:18093' },
    ],
    [
      'a base_url with a query',
      { ...exchangeRequest(), base_url: 'http://127.0.0.1:18093/?next=1' },
    ],
    ['an empty name', { ...exchangeRequest(), name: '' }],
    ['an unknown field', { ...exchangeRequest(), scope: 'applied-permissions/admin' }],
    ['a JSON array', [exchangeRequest()]],
  ])('rejects %s and keeps the token', async (_case, body) => {
    const issued = await issuePairingToken(access);

    const rejected = await exchange(access, issued.pairing_token, body);
    const state = await tokenState(access, issued.token_id);
    const retried = await exchange(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18094'),
    );

    expectError(rejected, 400, 'INVALID_REQUEST');
    expect(state.body.status).toBe('active');
    expect(retried.status).toBe(200);
  });

  it('rejects a missing body', async () => {
    const issued = await issuePairingToken(access);

    const rejected = await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
    });
    const state = await tokenState(access, issued.token_id);

    expectError(rejected, 400, 'INVALID_REQUEST');
    expect(state.body.status).toBe('active');
  });

  it('rejects malformed JSON', async () => {
    const issued = await issuePairingToken(access);

    const rejected = await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
      body: '{"service_id":',
    });
    const state = await tokenState(access, issued.token_id);

    expectError(rejected, 400, 'INVALID_JSON');
    expect(state.body.status).toBe('active');
  });
});

describe.each(testDialects())('pairing token from another Access service on %s', (dialect) => {
  let access: AccessInstance;
  let other: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
    other = await startAccess({ dialect });
  });

  afterAll(async () => {
    await other?.dispose();
    await access?.dispose();
  });

  it('uses distinct identities and keys', async () => {
    const ownKeys = await requestJson(access.url('/keys/jwks'));
    const otherKeys = await requestJson(other.url('/keys/jwks'));

    expect(other.serviceId).not.toBe(access.serviceId);
    expect(otherKeys.body.keys[0].kid).not.toBe(ownKeys.body.keys[0].kid);
  });

  it('rejects the foreign token', async () => {
    const foreign = await issuePairingToken(other);

    const response = await exchange(access, foreign.pairing_token);
    const stateAtIssuer = await tokenState(other, foreign.token_id);

    expectError(response, 401, 'INVALID_TOKEN');
    expect(stateAtIssuer.body.status).toBe('active');
  });
});

describe.each(testDialects())('pairing token expiry on %s', (dialect) => {
  let access: AccessInstance;

  beforeEach(async () => {
    access = await startAccess({ dialect });
  });

  afterEach(async () => {
    await access?.dispose();
  });

  it('rejects an expired token without consuming it', async () => {
    const issued = await issuePairingToken(access, { expires_in: 60 });

    access.clock.advanceSeconds(60 + 3600);
    const response = await exchange(access, issued.pairing_token);
    const state = await tokenState(access, issued.token_id);

    expectError(response, 401, 'INVALID_TOKEN');
    expect(state.body.status).toBe('active');
  });

  it('rejects a token just past expiry', async () => {
    // Within the verifier's clock tolerance the signature check passes, so the expiry check in
    // the database update is what rejects the token here.
    const issued = await issuePairingToken(access, { expires_in: 60 });

    access.clock.advanceSeconds(60 + 5);
    const response = await exchange(access, issued.pairing_token);
    const state = await tokenState(access, issued.token_id);

    expectError(response, 401, 'INVALID_TOKEN');
    expect(state.body.status).toBe('active');
  });

  it('accepts a token just before expiry', async () => {
    const issued = await issuePairingToken(access, { expires_in: 60 });

    access.clock.advanceSeconds(50);
    const response = await exchange(access, issued.pairing_token);

    expect(response.status).toBe(200);
  });
});

describe.each(testDialects())('concurrent exchanges on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('accepts one of 20 concurrent exchanges', async () => {
    const issued = await issuePairingToken(access);

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        exchange(
          access,
          issued.pairing_token,
          exchangeRequest(`http://127.0.0.1:${19000 + index}`),
        ),
      ),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    for (const response of responses.filter((entry) => entry.status === 409)) {
      expectError(response, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
    }
  });

  it('stores exactly the winning exchange', async () => {
    const issued = await issuePairingToken(access);

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        exchange(
          access,
          issued.pairing_token,
          exchangeRequest(`http://127.0.0.1:${19100 + index}`),
        ),
      ),
    );
    const winners = responses.filter((response) => response.status === 200);

    expect(winners).toHaveLength(1);
    const master: ExchangeBody = winners[0].body;
    const info = await requestJson(access.url('/system/info'), {
      authorization: `Bearer ${master.access_token}`,
    });
    const pairingState = await tokenState(access, issued.token_id);
    const pairings = await requestJson(access.url('/service_trust/pairings'), {
      authorization: access.admin,
    });
    const fromThisToken = pairings.body.pairings.filter((entry: { base_url: string }) => {
      const port = Number(new URL(entry.base_url).port);
      return port >= 19100 && port < 19200;
    });
    expect(info.status).toBe(200);
    expect(pairingState.body.status).toBe('used');
    expect(fromThisToken).toHaveLength(1);
    expect(fromThisToken[0].master_token_id).toBe(master.token_id);
    expect(await access.service.context.tokens.auditEventsOf(issued.token_id)).toHaveLength(19);
  });

  it('exchanges 10 distinct tokens concurrently', async () => {
    const issued = await Promise.all(Array.from({ length: 10 }, () => issuePairingToken(access)));

    const responses = await Promise.all(
      issued.map((token, index) =>
        exchange(access, token.pairing_token, exchangeRequest(`http://127.0.0.1:${19200 + index}`)),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    for (const token of issued) {
      const state = await tokenState(access, token.token_id);
      expect(state.body.status).toBe('used');
    }
    for (const response of responses) {
      const info = await requestJson(access.url('/system/info'), {
        authorization: `Bearer ${response.body.access_token}`,
      });
      expect(info.status).toBe(200);
    }
  });
});
