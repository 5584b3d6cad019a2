import {
  generateSigningKeyPair,
  importSigningKey,
  MAX_TOKEN_LENGTH,
  type SigningKey,
} from '@service-trust/pairing-protocol';
import { requestJson, testDialects } from '@service-trust/server/testing';
import { SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';

import {
  decodeJwtPart,
  exchange,
  exchangeOrThrow,
  exchangeRequest,
  expectError,
  issuePairingToken,
  startAccess,
  tokenState,
  type AccessInstance,
  type PairingTokenBody,
} from './test-harness';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `claims` with `key`, with any protected header, as an attacker with that key could. */
function sign(key: SigningKey, header: Partial<JWTHeaderParameters>, claims: JWTPayload) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'pairing+jwt', kid: key.kid, ...header })
    .sign(key.privateKey);
}

/** What a forgery starts from: a genuine pairing token and the keys around it. */
interface Material {
  issued: PairingTokenBody;
  header: Record<string, unknown>;
  claims: Record<string, any>;
  serviceKey: SigningKey;
  foreignKey: SigningKey;
  foreignPublicJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Forged or misused tokens that carry the id of a genuine, unused pairing token. Each must be
 * rejected with 401 at the exchange URL and leave that token unused.
 */
const FORGERIES: [string, (m: Material) => Promise<string> | string][] = [
  ['alg none', (m) => `${encode({ ...m.header, alg: 'none' })}.${encode(m.claims)}.`],
  [
    'HS256 keyed with the public key',
    (m) =>
      new SignJWT(m.claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'pairing+jwt', kid: m.serviceKey.kid })
        .sign(new TextEncoder().encode(JSON.stringify(m.publicJwk))),
  ],
  ['an unknown kid', (m) => sign(m.serviceKey, { kid: 'not-a-key-of-this-service' }, m.claims)],
  [
    'a jku header pointing elsewhere',
    (m) =>
      sign(m.foreignKey, { jku: 'http://127.0.0.1:9/jwks.json', kid: m.foreignKey.kid }, m.claims),
  ],
  [
    'an x5u header pointing elsewhere',
    (m) => sign(m.foreignKey, { x5u: 'http://127.0.0.1:9/cert.pem' }, m.claims),
  ],
  [
    'an embedded jwk header',
    (m) => sign(m.foreignKey, { jwk: m.foreignPublicJwk as JWTHeaderParameters['jwk'] }, m.claims),
  ],
  [
    "another service's key under this service's kid",
    (m) => sign(m.foreignKey, { kid: m.serviceKey.kid }, m.claims),
  ],
  [
    'a payload changed after signing',
    async (m) => {
      const [header, , signature] = m.issued.pairing_token.split('.');
      return `${header}.${encode({ ...m.claims, exp: m.claims.exp + 86_400 })}.${signature}`;
    },
  ],
  ['typ at+jwt', (m) => sign(m.serviceKey, { typ: 'at+jwt' }, m.claims)],
  ['no typ', (m) => sign(m.serviceKey, { typ: undefined }, m.claims)],
  [
    'the wrong aud',
    (m) => sign(m.serviceKey, {}, { ...m.claims, aud: 'jfac@01jotherservice00000000' }),
  ],
  [
    'the wrong iss',
    (m) => sign(m.serviceKey, {}, { ...m.claims, iss: 'jfac@01jotherservice00000000' }),
  ],
  [
    'an expired exp',
    (m) => sign(m.serviceKey, {}, { ...m.claims, iat: now() - 7200, exp: now() - 3600 }),
  ],
  ['iat an hour ahead', (m) => sign(m.serviceKey, {}, { ...m.claims, iat: now() + 3600 })],
  ['nbf an hour ahead', (m) => sign(m.serviceKey, {}, { ...m.claims, nbf: now() + 3600 })],
  [
    'ext that is an object, not a string',
    (m) => sign(m.serviceKey, {}, { ...m.claims, ext: JSON.parse(m.claims.ext) }),
  ],
  [
    'ext without exchange_url',
    (m) =>
      sign(
        m.serviceKey,
        {},
        {
          ...m.claims,
          ext: JSON.stringify({ ...JSON.parse(m.claims.ext), exchange_url: undefined }),
        },
      ),
  ],
  [
    'ext with a numeric base_url',
    (m) =>
      sign(
        m.serviceKey,
        {},
        {
          ...m.claims,
          ext: JSON.stringify({ ...JSON.parse(m.claims.ext), base_url: 8040 }),
        },
      ),
  ],
  [
    'a token over the size limit',
    (m) => sign(m.serviceKey, {}, { ...m.claims, pad: 'x'.repeat(MAX_TOKEN_LENGTH) }),
  ],
];

describe.each(testDialects())('forged and misused tokens on %s', (dialect) => {
  let access: AccessInstance;
  let foreignKey: SigningKey;
  let foreignPublicJwk: Record<string, unknown>;

  beforeAll(async () => {
    access = await startAccess({ dialect });
    const foreign = await generateSigningKeyPair('ES256');
    foreignKey = await importSigningKey(foreign.privateJwk, 'ES256');
    foreignPublicJwk = foreign.publicJwk as Record<string, unknown>;
  });

  afterAll(async () => {
    await access?.dispose();
  });

  async function material(): Promise<Material> {
    const issued = await issuePairingToken(access);
    const jwks = await requestJson(access.url('/keys/jwks'));
    return {
      issued,
      header: decodeJwtPart(issued.pairing_token, 0),
      claims: decodeJwtPart(issued.pairing_token, 1),
      serviceKey: access.service.context.keys.signingKey,
      foreignKey,
      foreignPublicJwk,
      publicJwk: jwks.body.keys[0],
    };
  }

  it.each(FORGERIES)('rejects %s with 401 and keeps the real token', async (_label, forge) => {
    const m = await material();
    const forged = await forge(m);

    const response = await exchange(access, forged);

    expectError(response, 401, 'INVALID_TOKEN');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await tokenState(access, m.issued.token_id)).body.status).toBe('active');
    expect((await exchange(access, m.issued.pairing_token)).status).toBe(200);
  });

  it('rejects an admin access token at the exchange URL', async () => {
    const created = await requestJson(access.url('/tokens'), {
      method: 'POST',
      authorization: access.admin,
    });

    expectError(await exchange(access, created.body.access_token), 401, 'INVALID_TOKEN');
  });

  it('rejects a master token at the exchange URL', async () => {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(
      access,
      issued.pairing_token,
      exchangeRequest('http://127.0.0.1:18311'),
    );

    expectError(await exchange(access, master.access_token), 401, 'INVALID_TOKEN');
  });

  it.each([
    ['POST', '/service_trust/pairing/mission-control'],
    ['GET', '/service_trust/pairings'],
    ['POST', '/tokens'],
    ['GET', '/system/info'],
  ])('rejects a pairing token at %s %s', async (method, path) => {
    const issued = await issuePairingToken(access);

    const response = await requestJson(access.url(path), {
      method,
      authorization: `Bearer ${issued.pairing_token}`,
    });

    expect(response.status).toBe(401);
    expect(response.body.errors[0]).toEqual({
      code: expect.any(String),
      message: expect.any(String),
    });
    expect((await tokenState(access, issued.token_id)).body.status).toBe('active');
  });
});
