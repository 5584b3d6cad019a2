import { randomUUID } from 'node:crypto';

import {
  CompactSign,
  SignJWT,
  decodeJwt,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose';

import {
  accessTokenClaimsSchema,
  encodePairingExtension,
  pairingTokenClaimsSchema,
} from '../claims';
import {
  ACCESS_TOKEN_TYPE,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  MAX_TOKEN_LENGTH,
  PAIRING_TOKEN_TYPE,
  type SigningAlgorithm,
} from '../constants';
import { InvalidTokenError } from '../errors';
import { ADMIN_SCOPE, pairingScope } from '../scopes';
import {
  generateSigningKeyPair,
  importSigningKey,
  toPublicKeySet,
  type GeneratedKeyPair,
  type SigningKey,
} from './keys';
import { signToken, type TokenClaims } from './sign';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './verify';

const ISSUER = 'jfac@jpd-1';
const AUDIENCE = 'jfmc@mission-control-1';
const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const TOLERANCE = DEFAULT_CLOCK_TOLERANCE_SECONDS;

const EXTENSION = {
  base_url: 'http://127.0.0.1:8040/access',
  exchange_url: 'http://127.0.0.1:8040/access/service_trust/pairing/exchange',
};

interface TestKey {
  pair: GeneratedKeyPair;
  signing: SigningKey;
}

async function createTestKey(alg: SigningAlgorithm): Promise<TestKey> {
  const pair = await generateSigningKeyPair(alg);
  const signing = await importSigningKey(pair.privateJwk, alg);
  return { pair, signing };
}

function pairingClaims(overrides: Partial<JWTPayload> = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'admin',
    scp: pairingScope('mission-control'),
    jti: randomUUID(),
    iat: NOW_SECONDS,
    exp: NOW_SECONDS + 300,
    ext: encodePairingExtension(EXTENSION),
    ...overrides,
  };
}

function accessClaims(overrides: Partial<JWTPayload> = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'jfmc@mission-control-1',
    scp: ADMIN_SCOPE,
    jti: randomUUID(),
    iat: NOW_SECONDS,
    exp: NOW_SECONDS + 3600,
    ...overrides,
  };
}

/** Removes the named claims, to build tokens that lack them. */
function without(claims: JWTPayload, ...names: string[]): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
}

/** Signs with jose directly, so the test controls every header member. */
async function signRaw(
  privateKey: SigningKey['privateKey'] | Uint8Array,
  header: JWTHeaderParameters,
  claims: JWTPayload,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Returns the rejection reason of `promise`, and fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const outcome = await promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(InvalidTokenError);
  return outcome as InvalidTokenError;
}

let es256: TestKey;
let ed25519: TestKey;
let rs256: TestKey;
let foreign: TestKey;
let verifier: TokenVerifier;

function createVerifier(overrides: Partial<TokenVerifierOptions> = {}): TokenVerifier {
  return createTokenVerifier({
    keySet: toPublicKeySet([es256.pair.publicJwk, ed25519.pair.publicJwk, rs256.pair.publicJwk]),
    issuer: ISSUER,
    audience: AUDIENCE,
    ...overrides,
  });
}

function verifyPairing(token: unknown, now: Date = NOW, target: TokenVerifier = verifier) {
  return target.verify(token, { typ: PAIRING_TOKEN_TYPE, schema: pairingTokenClaimsSchema, now });
}

function verifyAccess(token: unknown, now: Date = NOW, target: TokenVerifier = verifier) {
  return target.verify(token, { typ: ACCESS_TOKEN_TYPE, schema: accessTokenClaimsSchema, now });
}

function signPairing(claims: JWTPayload = pairingClaims(), key: SigningKey = es256.signing) {
  return signToken({ key, typ: PAIRING_TOKEN_TYPE, claims: claims as TokenClaims });
}

function signAccess(claims: JWTPayload = accessClaims(), key: SigningKey = es256.signing) {
  return signToken({ key, typ: ACCESS_TOKEN_TYPE, claims: claims as TokenClaims });
}

beforeAll(async () => {
  [es256, ed25519, rs256, foreign] = await Promise.all([
    createTestKey('ES256'),
    createTestKey('EdDSA'),
    createTestKey('RS256'),
    createTestKey('ES256'),
  ]);
  verifier = createVerifier();
});

describe('createTokenVerifier', () => {
  it('accepts tolerances from 0 to the maximum', () => {
    expect(() => createVerifier({ clockToleranceSeconds: 0 })).not.toThrow();
    expect(() =>
      createVerifier({ clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS }),
    ).not.toThrow();
  });

  it.each([
    ['over the maximum', MAX_CLOCK_TOLERANCE_SECONDS + 1],
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('rejects a tolerance %s', (_case, clockToleranceSeconds) => {
    expect(() => createVerifier({ clockToleranceSeconds })).toThrow(TypeError);
    expect(() => createVerifier({ clockToleranceSeconds })).toThrow(
      `"clockToleranceSeconds" must be an integer from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`,
    );
  });

  it('rejects an empty algorithm list', () => {
    expect(() => createVerifier({ algorithms: [] })).toThrow(TypeError);
    expect(() => createVerifier({ algorithms: [] })).toThrow(
      '"algorithms" must be a non-empty subset of ES256, EdDSA, RS256',
    );
  });

  it.each(['HS256', 'none', 'ES384'])('rejects algorithm %s in the list', (alg) => {
    const algorithms = ['ES256', alg] as unknown as SigningAlgorithm[];
    expect(() => createVerifier({ algorithms })).toThrow(TypeError);
    expect(() => createVerifier({ algorithms })).toThrow('"algorithms" must be a non-empty subset');
  });
});

describe('TokenVerifier.verify with valid tokens', () => {
  it('verifies a pairing token', async () => {
    const claims = pairingClaims();
    const token = await signPairing(claims);

    const verified = await verifyPairing(token);

    expect(verified.claims).toEqual(claims);
    expect(verified.header).toEqual({ alg: 'ES256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE });
  });

  it('verifies an access token', async () => {
    const claims = accessClaims();
    const token = await signAccess(claims);

    const verified = await verifyAccess(token);

    expect(verified.claims).toEqual(claims);
    expect(verified.header.typ).toBe(ACCESS_TOKEN_TYPE);
  });

  it('drops claims the schema does not list', async () => {
    const claims = accessClaims({ nbf: NOW_SECONDS - 10, extra: 'dropped' });
    const token = await signAccess(claims);

    const { claims: verified } = await verifyAccess(token);

    expect(verified).toEqual(without(claims, 'nbf', 'extra'));
    expect(verified).not.toHaveProperty('extra');
  });

  it.each([
    ['EdDSA', () => ed25519],
    ['RS256', () => rs256],
  ])('verifies a pairing token signed with %s', async (alg, key) => {
    const token = await signPairing(pairingClaims(), key().signing);

    const verified = await verifyPairing(token);

    expect(verified.header.alg).toBe(alg);
    expect(verified.header.kid).toBe(key().pair.kid);
  });

  it('uses the system clock without now', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const token = await signPairing(pairingClaims({ iat: nowSeconds, exp: nowSeconds + 300 }));

    const verified = await verifier.verify(token, {
      typ: PAIRING_TOKEN_TYPE,
      schema: pairingTokenClaimsSchema,
    });

    expect(verified.claims.iat).toBe(nowSeconds);
  });
});

describe('TokenVerifier.verify with malformed input', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { token: 'x.y.z' }],
    ['an empty string', ''],
  ])('rejects %s as not a JWT', async (_case, token) => {
    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is not a JWT.');
    expect(error.status).toBe(401);
  });

  it.each([
    ['a plain word', 'not-a-jwt'],
    ['two segments', 'aaaa.bbbb'],
    ['four segments', 'aaaa.bbbb.cccc.dddd'],
    ['standard base64 characters', 'aa+a.bb/b.cc=c'],
    ['surrounding whitespace', ' aaaa.bbbb.cccc '],
  ])('rejects %s as not a signed JWT', async (_case, token) => {
    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is not a signed JWT.');
  });

  it('rejects a header that is not JSON', async () => {
    const token = `${Buffer.from('{not json').toString('base64url')}.${base64UrlJson(pairingClaims())}.c2ln`;

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token header is not valid JSON.');
  });

  it('rejects a signed payload that is not JSON', async () => {
    const token = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'ES256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE })
      .sign(es256.signing.privateKey);

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is malformed.');
    expect(error.detail).toBe('ERR_JWT_INVALID');
  });

  it('rejects a token over MAX_TOKEN_LENGTH', async () => {
    const error = await rejectionOf(verifyPairing('a'.repeat(MAX_TOKEN_LENGTH + 1)));

    expect(error.code).toBe('ERR_TOKEN_TOO_LARGE');
    expect(error.message).toBe(`The token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  });

  it('rejects a validly signed token over MAX_TOKEN_LENGTH', async () => {
    const token = await signPairing(pairingClaims({ padding: 'x'.repeat(MAX_TOKEN_LENGTH) }));
    expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('passes exactly MAX_TOKEN_LENGTH to the form check', async () => {
    const error = await rejectionOf(verifyPairing('a'.repeat(MAX_TOKEN_LENGTH)));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
  });
});

describe('TokenVerifier.verify with hostile headers', () => {
  it('rejects an unsigned alg none token', async () => {
    const header = { alg: 'none', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE };
    const token = `${base64UrlJson(header)}.${base64UrlJson(pairingClaims())}.`;

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
    expect(error.message).toBe('The token is not a signed JWT.');
  });

  it('rejects alg none with a filler signature', async () => {
    const header = { alg: 'none', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE };
    const token = `${base64UrlJson(header)}.${base64UrlJson(pairingClaims())}.AAAA`;

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token algorithm is not accepted.');
  });

  it('rejects HS256 signed with the public key as secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(es256.pair.publicJwk));
    const token = await signRaw(
      secret,
      { alg: 'HS256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token algorithm is not accepted.');
  });

  it('rejects an algorithm outside the allow-list', async () => {
    const eddsaOnly = createVerifier({ algorithms: ['EdDSA'] });
    const token = await signPairing(pairingClaims(), es256.signing);

    const error = await rejectionOf(verifyPairing(token, NOW, eddsaOnly));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token algorithm is not accepted.');
  });

  it('accepts an algorithm inside the allow-list', async () => {
    const eddsaOnly = createVerifier({ algorithms: ['EdDSA'] });
    const token = await signPairing(pairingClaims(), ed25519.signing);

    const verified = await verifyPairing(token, NOW, eddsaOnly);

    expect(verified.header.alg).toBe('EdDSA');
  });

  it.each<[string, Partial<JWTHeaderParameters>]>([
    ['jku', { jku: 'http://127.0.0.1:9/jwks.json' }],
    ['x5u', { x5u: 'http://127.0.0.1:9/cert.pem' }],
    ['jwk', { jwk: {} as JWK }],
    ['x5c', { x5c: ['MIIB'] }],
  ])('rejects a %s header', async (member, extra) => {
    const token = await signRaw(
      es256.signing.privateKey,
      { alg: 'ES256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE, ...extra },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe(
      `The token header names its own key (${member}), which is not accepted.`,
    );
  });

  it('rejects an embedded jwk holding the signing key', async () => {
    const { kid: _kid, alg: _alg, use: _use, ...jwk } = foreign.pair.publicJwk;
    const token = await signRaw(
      foreign.signing.privateKey,
      { alg: 'ES256', kid: foreign.pair.kid, typ: PAIRING_TOKEN_TYPE, jwk },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token header names its own key (jwk), which is not accepted.');
  });

  it('names every forbidden header member present', async () => {
    const token = await signRaw(
      es256.signing.privateKey,
      {
        alg: 'ES256',
        kid: es256.pair.kid,
        typ: PAIRING_TOKEN_TYPE,
        jku: 'http://127.0.0.1:9/jwks.json',
        x5c: ['MIIB'],
      },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.message).toBe(
      'The token header names its own key (jku, x5c), which is not accepted.',
    );
  });

  it('rejects a missing kid', async () => {
    const token = await signRaw(
      es256.signing.privateKey,
      { alg: 'ES256', typ: PAIRING_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token header has no key id (kid).');
  });

  it('rejects an empty kid', async () => {
    const token = await signRaw(
      es256.signing.privateKey,
      { alg: 'ES256', kid: '', typ: PAIRING_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token header has no key id (kid).');
  });

  it('rejects a non-string kid', async () => {
    const header = { alg: 'ES256', kid: 7, typ: PAIRING_TOKEN_TYPE };
    const token = `${base64UrlJson(header)}.${base64UrlJson(pairingClaims())}.c2ln`;

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_HEADER_REJECTED');
    expect(error.message).toBe('The token header has no key id (kid).');
  });
});

describe('TokenVerifier.verify with bad signatures', () => {
  const SIGNATURE_MESSAGE = 'The token signature does not match any key of this service.';

  it('rejects an unknown kid', async () => {
    const token = await signRaw(
      es256.signing.privateKey,
      { alg: 'ES256', kid: 'unknown-kid', typ: PAIRING_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(error.message).toBe(SIGNATURE_MESSAGE);
  });

  it("rejects a token signed with another service's key", async () => {
    const token = await signPairing(pairingClaims(), foreign.signing);
    const foreignVerifier = createVerifier({ keySet: toPublicKeySet([foreign.pair.publicJwk]) });
    await expect(verifyPairing(token, NOW, foreignVerifier)).resolves.toBeDefined();

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(error.message).toBe(SIGNATURE_MESSAGE);
  });

  it('rejects a foreign signature with our kid', async () => {
    const token = await signRaw(
      foreign.signing.privateKey,
      { alg: 'ES256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(error.message).toBe(SIGNATURE_MESSAGE);
  });

  it('rejects an alg that does not fit the kid', async () => {
    const token = await signRaw(
      ed25519.signing.privateKey,
      { alg: 'EdDSA', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(error.message).toBe(SIGNATURE_MESSAGE);
  });

  it('rejects a payload changed after signing', async () => {
    const token = await signPairing(pairingClaims({ sub: 'reader' }));
    const [header, , signature] = token.split('.');
    const payload = base64UrlJson(pairingClaims({ sub: 'admin' }));

    const error = await rejectionOf(verifyPairing(`${header}.${payload}.${signature}`));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(error.message).toBe(SIGNATURE_MESSAGE);
  });

  it('rejects a signature from another token', async () => {
    const first = await signPairing();
    const second = await signPairing();
    const [header, payload] = first.split('.');
    const signature = second.split('.')[2];

    const error = await rejectionOf(verifyPairing(`${header}.${payload}.${signature}`));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
  });

  it('verifies tokens of every key in the set', async () => {
    const rotated = createVerifier({
      keySet: toPublicKeySet([es256.pair.publicJwk, foreign.pair.publicJwk]),
    });

    await expect(verifyPairing(await signPairing(), NOW, rotated)).resolves.toBeDefined();
    await expect(
      verifyPairing(await signPairing(pairingClaims(), foreign.signing), NOW, rotated),
    ).resolves.toBeDefined();
  });
});

describe('TokenVerifier.verify with the wrong token type', () => {
  it('rejects at+jwt as a pairing token', async () => {
    const token = await signAccess(pairingClaims());

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
    expect(error.message).toBe('The token is of the wrong kind: expected typ "pairing+jwt".');
    expect(error.detail).toBe('typ is "at+jwt"');
  });

  it('rejects pairing+jwt as an access token', async () => {
    const token = await signPairing();

    const error = await rejectionOf(verifyAccess(token));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
    expect(error.message).toBe('The token is of the wrong kind: expected typ "at+jwt".');
    expect(error.detail).toBe('typ is "pairing+jwt"');
  });

  it.each<[string, string | undefined]>([
    ['missing', undefined],
    ['JWT', 'JWT'],
    ['upper case', 'PAIRING+JWT'],
    ['with a media type prefix', 'application/pairing+jwt'],
  ])('rejects a typ that is %s', async (_case, typ) => {
    const header: JWTHeaderParameters = { alg: 'ES256', kid: es256.pair.kid };
    if (typ !== undefined) header.typ = typ;
    const token = await signRaw(es256.signing.privateKey, header, pairingClaims());

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
    expect(error.message).toBe('The token is of the wrong kind: expected typ "pairing+jwt".');
  });
});

describe('TokenVerifier.verify with bad claims', () => {
  it('rejects the wrong audience', async () => {
    const token = await signPairing(pairingClaims({ aud: 'jfmc@someone-else' }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token\'s "aud" claim is not accepted here.');
    expect(error.detail).toBe('check_failed');
  });

  it('rejects the wrong issuer', async () => {
    const token = await signPairing(pairingClaims({ iss: 'jfac@someone-else' }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token\'s "iss" claim is not accepted here.');
    expect(error.detail).toBe('check_failed');
  });

  it('rejects issuer and audience swapped', async () => {
    const token = await signPairing(pairingClaims({ iss: AUDIENCE, aud: ISSUER }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
  });

  it.each(['iss', 'aud', 'sub', 'jti', 'iat', 'exp'])('rejects a missing %s', async (claim) => {
    // signToken would fill in a missing iat, so this signs with jose directly.
    const token = await signRaw(
      es256.signing.privateKey,
      { alg: 'ES256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE },
      without(pairingClaims(), claim),
    );
    expect(decodeJwt(token)).not.toHaveProperty(claim);

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe(`The token's "${claim}" claim is not accepted here.`);
    expect(error.detail).toBe('missing');
  });

  it('rejects a jti that is not a UUID', async () => {
    const token = await signPairing(pairingClaims({ jti: 'token-1' }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token has missing or invalid claims: jti.');
  });

  it('lists every claim the schema rejects', async () => {
    const token = await signPairing(without(pairingClaims({ scp: '' }), 'ext'));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token has missing or invalid claims: scp, ext.');
  });

  it('rejects a fractional iat through the schema', async () => {
    const token = await signPairing(pairingClaims({ iat: NOW_SECONDS - 0.5 }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token has missing or invalid claims: iat.');
  });
});

describe('TokenVerifier.verify with time claims', () => {
  it('rejects an expired token', async () => {
    const token = await signPairing(
      pairingClaims({ iat: NOW_SECONDS - 600, exp: NOW_SECONDS - 300 }),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_EXPIRED');
    expect(error.message).toBe('The token expired.');
  });

  it('rejects a token expired by exactly the tolerance', async () => {
    const token = await signPairing(
      pairingClaims({ iat: NOW_SECONDS - 600, exp: NOW_SECONDS - TOLERANCE }),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_EXPIRED');
  });

  it('accepts a token expired within the tolerance', async () => {
    const exp = NOW_SECONDS - TOLERANCE + 1;
    const token = await signPairing(pairingClaims({ iat: NOW_SECONDS - 600, exp }));

    const verified = await verifyPairing(token);

    expect(verified.claims.exp).toBe(exp);
  });

  it('rejects a token once it expires', async () => {
    const token = await signPairing();
    const later = new Date((NOW_SECONDS + 300 + TOLERANCE) * 1000);

    const error = await rejectionOf(verifyPairing(token, later));

    expect(error.code).toBe('ERR_TOKEN_EXPIRED');
  });

  it('rejects iat in the future beyond the tolerance', async () => {
    const token = await signPairing(pairingClaims({ iat: NOW_SECONDS + TOLERANCE + 1 }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(error.message).toBe('The token was issued in the future.');
  });

  it('accepts iat in the future within the tolerance', async () => {
    const iat = NOW_SECONDS + TOLERANCE;
    const token = await signPairing(pairingClaims({ iat }));

    const verified = await verifyPairing(token);

    expect(verified.claims.iat).toBe(iat);
  });

  it('rejects nbf in the future beyond the tolerance', async () => {
    const token = await signPairing(pairingClaims({ nbf: NOW_SECONDS + TOLERANCE + 1 }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(error.message).toBe('The token is not valid yet.');
  });

  it('accepts nbf in the future within the tolerance', async () => {
    const token = await signPairing(pairingClaims({ nbf: NOW_SECONDS + TOLERANCE }));

    await expect(verifyPairing(token)).resolves.toBeDefined();
  });

  it.each(['nbf', 'iat', 'exp'])('rejects a non-numeric %s as invalid', async (claim) => {
    const token = await signPairing(pairingClaims({ [claim]: 'soon' }));

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe(`The token's "${claim}" claim is not accepted here.`);
    expect(error.detail).toBe('invalid');
  });

  it('applies a configured tolerance of zero', async () => {
    const strict = createVerifier({ clockToleranceSeconds: 0 });
    const futureIat = await signPairing(pairingClaims({ iat: NOW_SECONDS + 1 }));
    const expiredNow = await signPairing(
      pairingClaims({ iat: NOW_SECONDS - 600, exp: NOW_SECONDS }),
    );

    const iatError = await rejectionOf(verifyPairing(futureIat, NOW, strict));
    const expError = await rejectionOf(verifyPairing(expiredNow, NOW, strict));

    expect(iatError.code).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(expError.code).toBe('ERR_TOKEN_EXPIRED');
  });

  it('applies the maximum configured tolerance', async () => {
    const lenient = createVerifier({ clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS });
    const token = await signPairing(
      pairingClaims({
        iat: NOW_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS,
        nbf: NOW_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS,
      }),
    );

    await expect(verifyPairing(token, NOW, lenient)).resolves.toBeDefined();
    await expect(verifyPairing(token, NOW, verifier)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('TokenVerifier.verify check order', () => {
  it('checks typ before the signature', async () => {
    const token = await signRaw(
      foreign.signing.privateKey,
      { alg: 'ES256', kid: 'unknown-kid', typ: ACCESS_TOKEN_TYPE },
      pairingClaims(),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_TYPE_MISMATCH');
  });

  it('checks the signature before the claims', async () => {
    const token = await signRaw(
      foreign.signing.privateKey,
      { alg: 'ES256', kid: es256.pair.kid, typ: PAIRING_TOKEN_TYPE },
      pairingClaims({ iss: 'jfac@someone-else', exp: NOW_SECONDS - 3600 }),
    );

    const error = await rejectionOf(verifyPairing(token));

    expect(error.code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
  });
});

describe('TokenVerifier.verify with signToken defaults', () => {
  it('sets iat from now when the claims lack it', async () => {
    const claims = without(pairingClaims(), 'iat');
    const token = await signToken({
      key: es256.signing,
      typ: PAIRING_TOKEN_TYPE,
      claims: claims as TokenClaims,
      now: NOW,
    });

    const verified = await verifyPairing(token);

    expect(verified.claims.iat).toBe(NOW_SECONDS);
  });
});
