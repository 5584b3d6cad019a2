import { requestJson, testDialects } from '@service-trust/server/testing';

import {
  API_PREFIX,
  decodeJwtPart,
  expectError,
  startAccess,
  UUID_PATTERN,
  type AccessInstance,
  type PairingTokenBody,
} from './test-harness';

describe.each(testDialects())('pairing token generation on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  const requestPairingToken = (
    init: { json?: unknown; body?: string; authorization?: string | null; useCase?: string } = {},
  ) =>
    requestJson<PairingTokenBody>(
      access.url(`/service_trust/pairing/${init.useCase ?? 'mission-control'}`),
      {
        method: 'POST',
        authorization:
          init.authorization === null ? undefined : (init.authorization ?? access.admin),
        json: init.json,
        body: init.body,
      },
    );

  it('issues a token with the default lifetime', async () => {
    const response = await requestPairingToken();

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      pairing_token: expect.any(String),
      token_id: expect.stringMatching(UUID_PATTERN),
      expires_in: 300,
    });
  });

  it('marks the token as a pairing JWT', async () => {
    const { body } = await requestPairingToken();
    const jwks = await requestJson(access.url('/keys/jwks'));

    const header = decodeJwtPart(body.pairing_token, 0);

    expect(header.typ).toBe('pairing+jwt');
    expect(header.alg).toBe('ES256');
    expect(header.kid).toBe(jwks.body.keys[0].kid);
  });

  it('lays out the claims like JFrog Access', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { body } = await requestPairingToken();

    const claims = decodeJwtPart(body.pairing_token, 1);

    expect(claims.iss).toBe(access.serviceId);
    expect(claims.aud).toBe(access.serviceId);
    expect(claims.sub).toBe(`${access.serviceId}/users/admin`);
    expect(claims.sub.endsWith('/users/admin')).toBe(true);
    expect(claims.scp).toBe('internal:service-trust/pairing/mission-control:x');
    expect(claims.jti).toBe(body.token_id);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.exp - claims.iat).toBe(300);
    expect(typeof claims.ext).toBe('string');
  });

  it('carries the URLs in a JSON string ext', async () => {
    const { body } = await requestPairingToken();

    const ext = JSON.parse(decodeJwtPart(body.pairing_token, 1).ext);

    expect(ext.base_url).toBe(access.baseUrl);
    expect(ext.exchange_url).toBe(`${access.baseUrl}${API_PREFIX}/service_trust/exchange`);
    expect(ext.revocable).toBe(true);
    expect(ext).not.toHaveProperty('pairing_url');
  });

  it('adds a pairing URL for two-way trust', async () => {
    const { body } = await requestPairingToken({ json: { two_way: true } });

    const ext = JSON.parse(decodeJwtPart(body.pairing_token, 1).ext);

    expect(ext.pairing_url).toBe(
      `${access.baseUrl}${API_PREFIX}/service_trust/pairing/mission-control`,
    );
  });

  it.each([30, 60, 86_400])('honours expires_in %i', async (expiresIn) => {
    const response = await requestPairingToken({ json: { expires_in: expiresIn } });

    expect(response.status).toBe(200);
    expect(response.body.expires_in).toBe(expiresIn);
    const claims = decodeJwtPart(response.body.pairing_token, 1);
    expect(claims.exp - claims.iat).toBe(expiresIn);
  });

  it.each([
    ['29', 29],
    ['86401', 86_401],
    ['0', 0],
    ['-60', -60],
    ['1.5', 1.5],
    ['a string', '300'],
    ['null', null],
  ])('rejects expires_in %s', async (_label, expiresIn) => {
    const response = await requestPairingToken({ json: { expires_in: expiresIn } });

    expectError(response, 400, 'INVALID_REQUEST');
  });

  it('rejects an unknown body field', async () => {
    const response = await requestPairingToken({ json: { expires_in: 300, audience: 'someone' } });

    expectError(response, 400, 'INVALID_REQUEST');
  });

  it('rejects a JSON array body', async () => {
    const response = await requestPairingToken({ json: [] });

    expectError(response, 400, 'INVALID_REQUEST');
  });

  it('rejects malformed JSON', async () => {
    const response = await requestPairingToken({ body: '{"expires_in": 60' });

    expectError(response, 400, 'INVALID_JSON');
  });

  it.each(['unknown', 'jpd'])('rejects use case %s', async (useCase) => {
    const response = await requestPairingToken({ useCase });

    expectError(response, 404, 'NOT_FOUND');
  });

  it('requires admin credentials', async () => {
    const response = await requestPairingToken({ authorization: null });

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('stores the token as active', async () => {
    const { body } = await requestPairingToken({ json: { expires_in: 60 } });

    const state = await requestJson(access.url(`/tokens/${body.token_id}`), {
      authorization: access.admin,
    });

    expect(state.status).toBe(200);
    expect(state.body.kind).toBe('pairing');
    expect(state.body.status).toBe('active');
    const claims = decodeJwtPart(body.pairing_token, 1);
    expect(Date.parse(state.body.expires_at)).toBe(claims.exp * 1000);
  });
});
