import { randomUUID } from 'node:crypto';

import { basicAuth, requestJson, testDialects } from '@service-trust/server/testing';

import {
  decodeJwtPart,
  exchangeOrThrow,
  expectError,
  issuePairingToken,
  startAccess,
  tokenState,
  UUID_PATTERN,
  type AccessInstance,
  type ExchangeBody,
} from './test-harness';

const ADMIN_SCOPE = 'applied-permissions/admin';

describe.each(testDialects())('admin authentication on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  const listPairings = (authorization?: string) =>
    requestJson(access.url('/service_trust/pairings'), { authorization });

  it('rejects a request without credentials', async () => {
    const response = await listPairings();

    expectError(response, 401, 'UNAUTHORIZED');
    expect(response.headers.get('www-authenticate')).toContain('Basic');
  });

  it('rejects a wrong password', async () => {
    const response = await listPairings(basicAuth('admin', 'not-the-admin-password'));

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('rejects an unknown user', async () => {
    const response = await listPairings(basicAuth('nobody', 'not-the-admin-password'));

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('rejects an unsupported scheme', async () => {
    const response = await listPairings('Digest username="admin"');

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('rejects a non-JWT bearer value', async () => {
    const response = await listPairings('Bearer not-a-jwt');

    expectError(response, 401, 'ERR_TOKEN_MALFORMED');
  });

  it('accepts the admin password', async () => {
    const response = await listPairings(access.admin);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ pairings: [], reverse_only: [] });
  });

  it('rejects a pairing token as bearer', async () => {
    const issued = await issuePairingToken(access);

    const response = await listPairings(`Bearer ${issued.pairing_token}`);

    expectError(response, 401, 'ERR_TOKEN_TYPE_MISMATCH');
  });
});

describe.each(testDialects())('admin access tokens on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  const createToken = (json?: unknown, authorization = access.admin) =>
    requestJson<ExchangeBody>(access.url('/tokens'), { method: 'POST', authorization, json });

  it('issues an admin access token', async () => {
    const response = await createToken();

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_id: expect.stringMatching(UUID_PATTERN),
      expires_in: 3600,
      scope: ADMIN_SCOPE,
      token_type: 'Bearer',
    });
    expect(decodeJwtPart(response.body.access_token, 0).typ).toBe('at+jwt');
    const claims = decodeJwtPart(response.body.access_token, 1);
    expect(claims.sub).toBe(`${access.serviceId}/users/admin`);
    expect(claims.jti).toBe(response.body.token_id);
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('honours a requested lifetime', async () => {
    const response = await createToken({ expires_in: 120 });

    expect(response.status).toBe(200);
    expect(response.body.expires_in).toBe(120);
    const claims = decodeJwtPart(response.body.access_token, 1);
    expect(claims.exp - claims.iat).toBe(120);
  });

  it.each([
    ['a lifetime below 60 s', { expires_in: 59 }],
    ['a lifetime as a string', { expires_in: '3600' }],
    ['another scope', { scope: 'system:info:r' }],
    ['an unknown field', { username: 'root' }],
  ])('rejects %s', async (_case, body) => {
    const response = await createToken(body);

    expectError(response, 400, 'INVALID_REQUEST');
  });

  it('requires admin credentials', async () => {
    const response = await requestJson(access.url('/tokens'), { method: 'POST' });

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('accepts the token as bearer', async () => {
    const { body } = await createToken();

    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: `Bearer ${body.access_token}`,
    });

    expect(response.status).toBe(200);
  });

  it('issues pairing tokens for a bearer admin', async () => {
    const { body } = await createToken();

    const response = await requestJson(access.url('/service_trust/pairing/mission-control'), {
      method: 'POST',
      authorization: `Bearer ${body.access_token}`,
    });

    expect(response.status).toBe(200);
    expect(decodeJwtPart(response.body.pairing_token, 1).sub).toBe(
      `${access.serviceId}/users/admin`,
    );
  });

  it('rejects a revoked token', async () => {
    const { body } = await createToken();
    const bearer = `Bearer ${body.access_token}`;
    const before = await requestJson(access.url('/service_trust/pairings'), {
      authorization: bearer,
    });

    const revoked = await requestJson(access.url(`/tokens/${body.token_id}`), {
      method: 'DELETE',
      authorization: access.admin,
    });
    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: bearer,
    });

    expect(before.status).toBe(200);
    expect(revoked.status).toBe(204);
    expectError(response, 401, 'ERR_TOKEN_REVOKED');
  });

  it('shows the state of an access token', async () => {
    const { body } = await createToken();

    const response = await tokenState(access, body.token_id);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      token_id: body.token_id,
      kind: 'access',
      subject: `${access.serviceId}/users/admin`,
      scope: ADMIN_SCOPE,
      status: 'active',
      issued_at: expect.any(String),
      expires_at: expect.any(String),
    });
    const claims = decodeJwtPart(body.access_token, 1);
    expect(Date.parse(response.body.expires_at)).toBe(claims.exp * 1000);
  });

  it('shows a revoked token as revoked', async () => {
    const { body } = await createToken();
    await requestJson(access.url(`/tokens/${body.token_id}`), {
      method: 'DELETE',
      authorization: access.admin,
    });

    const response = await tokenState(access, body.token_id);

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('revoked');
  });

  it('shows a pairing token before and after use', async () => {
    const issued = await issuePairingToken(access);

    const before = await tokenState(access, issued.token_id);
    await exchangeOrThrow(access, issued.pairing_token);
    const after = await tokenState(access, issued.token_id);

    expect(before.status).toBe(200);
    expect(before.body.kind).toBe('pairing');
    expect(before.body.use_case).toBe('mission-control');
    expect(before.body.status).toBe('active');
    expect(after.body.status).toBe('used');
  });

  it('returns 404 for an unknown id', async () => {
    const response = await tokenState(access, randomUUID());

    expectError(response, 404, 'NOT_FOUND');
  });

  it('returns 404 for a non-UUID id', async () => {
    const response = await tokenState(access, 'not-a-uuid');

    expectError(response, 404, 'NOT_FOUND');
  });

  it('returns 404 when revoking an unknown id', async () => {
    const response = await requestJson(access.url(`/tokens/${randomUUID()}`), {
      method: 'DELETE',
      authorization: access.admin,
    });

    expectError(response, 404, 'NOT_FOUND');
  });

  it('requires admin to read a token', async () => {
    const { body } = await createToken();

    const response = await requestJson(access.url(`/tokens/${body.token_id}`));

    expectError(response, 401, 'UNAUTHORIZED');
  });
});

describe.each(testDialects())('admin access token expiry on %s', (dialect) => {
  let access: AccessInstance;

  beforeEach(async () => {
    access = await startAccess({ dialect });
  });

  afterEach(async () => {
    await access?.dispose();
  });

  it('rejects an expired token', async () => {
    const created = await requestJson<ExchangeBody>(access.url('/tokens'), {
      method: 'POST',
      authorization: access.admin,
      json: { expires_in: 60 },
    });
    const bearer = `Bearer ${created.body.access_token}`;
    const beforeExpiry = await requestJson(access.url('/service_trust/pairings'), {
      authorization: bearer,
    });

    access.clock.advanceSeconds(60 + 31);
    const afterExpiry = await requestJson(access.url('/service_trust/pairings'), {
      authorization: bearer,
    });

    expect(beforeExpiry.status).toBe(200);
    expectError(afterExpiry, 401, 'ERR_TOKEN_EXPIRED');
  });
});
