import { randomUUID } from 'node:crypto';

import { SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';

import { encodePairingExtension } from '../claims';
import { ACCESS_TOKEN_TYPE, MAX_TOKEN_LENGTH, PAIRING_TOKEN_TYPE } from '../constants';
import { InvalidTokenError } from '../errors';
import { pairingScope } from '../scopes';
import { assertTokenType, decodePairingToken, readProtectedHeader } from './decode';
import { generateSigningKeyPair, importSigningKey, type SigningKey } from './keys';

const NOW_SECONDS = Date.UTC(2030, 0, 1) / 1000;

const EXTENSION = {
  base_url: 'http://127.0.0.1:8040/access',
  exchange_url: 'http://127.0.0.1:8040/access/service_trust/pairing/exchange',
  pairing_url: 'http://127.0.0.1:8040/access/service_trust/pairing',
};

let key: SigningKey;

beforeAll(async () => {
  const pair = await generateSigningKeyPair('ES256');
  key = await importSigningKey(pair.privateJwk, 'ES256');
});

function pairingClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: 'jfac@jpd-1',
    aud: 'jfmc@mission-control-1',
    sub: 'admin',
    scp: pairingScope('mission-control'),
    jti: randomUUID(),
    iat: NOW_SECONDS,
    exp: NOW_SECONDS + 300,
    ext: encodePairingExtension(EXTENSION),
    ...overrides,
  };
}

function without(claims: JWTPayload, ...names: string[]): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
}

async function sign(
  claims: JWTPayload,
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: PAIRING_TOKEN_TYPE, ...header })
    .sign(key.privateKey);
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Returns the error `action` throws, and fails the test when it returns. */
function errorOf(action: () => unknown): InvalidTokenError {
  let thrown: unknown = 'returned';
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidTokenError);
  return thrown as InvalidTokenError;
}

describe('readProtectedHeader', () => {
  it('returns the header of a signed token', async () => {
    const token = await sign(pairingClaims());

    expect(readProtectedHeader(token)).toEqual({
      alg: 'ES256',
      kid: key.kid,
      typ: PAIRING_TOKEN_TYPE,
    });
  });

  it.each([undefined, null, 42, {}, ['a.b.c'], ''])('rejects %p as not a JWT', (token) => {
    const error = errorOf(() => readProtectedHeader(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is not a JWT.');
  });

  it('rejects a token over MAX_TOKEN_LENGTH', () => {
    const error = errorOf(() => readProtectedHeader('a'.repeat(MAX_TOKEN_LENGTH + 1)));

    expect(error.code).toBe('ERR_TOKEN_TOO_LARGE');
    expect(error.message).toBe(`The token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  });

  it('rejects an unsigned token', () => {
    const token = `${base64UrlJson({ alg: 'none', kid: 'k', typ: PAIRING_TOKEN_TYPE })}.${base64UrlJson({})}.`;

    const error = errorOf(() => readProtectedHeader(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is not a signed JWT.');
  });

  it.each([
    ['a header that is not JSON', `${Buffer.from('{').toString('base64url')}.e30.c2ln`],
    ['a header that is a JSON string', `${base64UrlJson('kid')}.e30.c2ln`],
    ['a header that is a JSON array', `${base64UrlJson(['kid'])}.e30.c2ln`],
  ])('rejects %s', (_case, token) => {
    const error = errorOf(() => readProtectedHeader(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token header is not valid JSON.');
  });

  it.each(['jku', 'x5u', 'jwk', 'x5c'])('rejects a %s member', (member) => {
    const header = { alg: 'ES256', kid: 'k', typ: PAIRING_TOKEN_TYPE, [member]: null };
    const token = `${base64UrlJson(header)}.e30.c2ln`;

    const error = errorOf(() => readProtectedHeader(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe(
      `The token header names its own key (${member}), which is not accepted.`,
    );
  });

  it.each([
    ['missing', {}],
    ['empty', { kid: '' }],
    ['a number', { kid: 1 }],
  ])('rejects a kid that is %s', (_case, kid) => {
    const token = `${base64UrlJson({ alg: 'ES256', typ: PAIRING_TOKEN_TYPE, ...kid })}.e30.c2ln`;

    const error = errorOf(() => readProtectedHeader(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token header has no key id (kid).');
  });
});

describe('assertTokenType', () => {
  it('accepts the expected typ', () => {
    expect(() => assertTokenType({ typ: ACCESS_TOKEN_TYPE }, ACCESS_TOKEN_TYPE)).not.toThrow();
  });

  it('rejects another typ', () => {
    const error = errorOf(() => assertTokenType({ typ: ACCESS_TOKEN_TYPE }, PAIRING_TOKEN_TYPE));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
    expect(error.message).toBe('The token is of the wrong kind: expected typ "pairing+jwt".');
    expect(error.detail).toBe('typ is "at+jwt"');
  });

  it('rejects a missing typ', () => {
    const error = errorOf(() => assertTokenType({}, ACCESS_TOKEN_TYPE));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
    expect(error.detail).toBe('typ is undefined');
  });
});

describe('decodePairingToken', () => {
  it('reads the claims and extension without keys', async () => {
    const claims = pairingClaims();
    const token = await sign(claims);

    const decoded = decodePairingToken(token);

    expect(decoded.header).toEqual({ alg: 'ES256', kid: key.kid, typ: PAIRING_TOKEN_TYPE });
    expect(decoded.claims).toEqual(claims);
    expect(decoded.extension).toEqual({ ...EXTENSION, revocable: true });
  });

  it('decodes an expired token', async () => {
    const token = await sign(pairingClaims({ iat: 0, exp: 1 }));

    expect(decodePairingToken(token).claims.exp).toBe(1);
  });

  it('decodes without checking the signature', async () => {
    const token = await sign(pairingClaims());
    const [header, payload] = token.split('.');

    const decoded = decodePairingToken(`${header}.${payload}.AAAA`);

    expect(decoded.extension.base_url).toBe(EXTENSION.base_url);
  });

  it('rejects an access token', async () => {
    const token = await sign(pairingClaims(), { typ: ACCESS_TOKEN_TYPE });

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
    expect(error.message).toBe('The token is of the wrong kind: expected typ "pairing+jwt".');
  });

  it('rejects a forbidden header before reading claims', async () => {
    const token = await sign({}, { jku: 'http://127.0.0.1:9/jwks.json' });

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
  });

  it('rejects a non-string token', () => {
    const error = errorOf(() => decodePairingToken(12345));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is not a JWT.');
  });

  it('rejects a payload that is not JSON', () => {
    const header = base64UrlJson({ alg: 'ES256', kid: 'k', typ: PAIRING_TOKEN_TYPE });
    const token = `${header}.${Buffer.from('not json').toString('base64url')}.c2ln`;

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token payload is not valid JSON.');
  });

  it('rejects a payload that is a JSON array', () => {
    const header = base64UrlJson({ alg: 'ES256', kid: 'k', typ: PAIRING_TOKEN_TYPE });
    const token = `${header}.${base64UrlJson([1, 2])}.c2ln`;

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token payload is not valid JSON.');
  });

  it('rejects one missing claim', async () => {
    const token = await sign(without(pairingClaims(), 'jti'));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The pairing token has missing or invalid claims: jti.');
  });

  it('lists every missing claim', async () => {
    const token = await sign({});

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe(
      'The pairing token has missing or invalid claims: iss, aud, sub, scp, iat, exp, jti, ext.',
    );
  });

  it('rejects an ext that is not a string', async () => {
    const token = await sign(pairingClaims({ ext: EXTENSION }));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The pairing token has missing or invalid claims: ext.');
  });

  it('rejects an ext that is not JSON', async () => {
    const token = await sign(pairingClaims({ ext: '{base_url:' }));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token is invalid.');
    expect(error.detail).toBe('ext is not JSON');
  });

  it('rejects an ext without exchange_url', async () => {
    const ext = JSON.stringify({ base_url: EXTENSION.base_url });
    const token = await sign(pairingClaims({ ext }));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token is invalid.');
    expect(error.detail).toMatch(/^ext is invalid: /);
    expect(error.detail).toContain('exchange_url');
  });

  it('rejects a numeric base_url', async () => {
    const ext = JSON.stringify({ ...EXTENSION, base_url: 8040 });
    const token = await sign(pairingClaims({ ext }));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.detail).toContain('base_url');
    expect(error.detail).not.toContain('exchange_url');
  });

  it('rejects a non-boolean revocable', async () => {
    const ext = JSON.stringify({ ...EXTENSION, revocable: 'yes' });
    const token = await sign(pairingClaims({ ext }));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.detail).toContain('revocable');
  });

  it.each([
    ['ftp', 'ftp://127.0.0.1/exchange'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
  ])('rejects an exchange_url with the %s scheme', async (_scheme, exchangeUrl) => {
    const ext = JSON.stringify({ ...EXTENSION, exchange_url: exchangeUrl });
    const token = await sign(pairingClaims({ ext }));

    const error = errorOf(() => decodePairingToken(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.detail).toContain('must be an http or https URL');
    expect(error.detail).toContain('exchange_url');
  });
});
