import {
  accessTokenClaimsSchema,
  encodePairingExtension,
  pairingExtensionSchema,
  pairingTokenClaimsSchema,
  parsePairingExtension,
  type PairingExtension,
} from './claims';
import { InvalidTokenError } from './errors';

const EXTENSION: PairingExtension = {
  base_url: 'http://127.0.0.1:8040',
  exchange_url: 'http://127.0.0.1:8040/service_trust/pairing/exchange',
};

const CLAIMS = {
  iss: 'jfac@jpd-1',
  aud: 'jfmc@mission-control-1',
  sub: 'admin',
  scp: 'internal:service-trust/pairing/mission-control:x',
  iat: 1_900_000_000,
  exp: 1_900_000_300,
  jti: '5f0c7a4e-8d0b-4c7e-9a53-2b1f3c1d9e11',
};

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

describe('parsePairingExtension', () => {
  it('parses the required URLs', () => {
    expect(parsePairingExtension(JSON.stringify(EXTENSION))).toEqual(EXTENSION);
  });

  it('parses the optional members', () => {
    const extension = {
      ...EXTENSION,
      pairing_url: 'https://127.0.0.1:8443/pair',
      revocable: false,
    };

    expect(parsePairingExtension(JSON.stringify(extension))).toEqual(extension);
  });

  it('ignores unknown fields', () => {
    const ext = JSON.stringify({ ...EXTENSION, added_in_v2: 'x', nested: { a: 1 } });

    const extension = parsePairingExtension(ext);

    expect(extension).toEqual(EXTENSION);
    expect(extension).not.toHaveProperty('added_in_v2');
    expect(extension).not.toHaveProperty('nested');
  });

  it.each([42, null, undefined, EXTENSION])('rejects the non-string %p', (ext) => {
    const error = errorOf(() => parsePairingExtension(ext));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token is invalid.');
    expect(error.detail).toBe('ext is not a string');
  });

  it.each(['', '{', "{'base_url':'http://x'}", 'undefined'])('rejects the non-JSON %p', (ext) => {
    const error = errorOf(() => parsePairingExtension(ext));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The token is invalid.');
    expect(error.detail).toBe('ext is not JSON');
  });

  it.each(['null', '[]', '"text"', '7'])('rejects the JSON value %s', (ext) => {
    const error = errorOf(() => parsePairingExtension(ext));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.detail).toMatch(/^ext is invalid: /);
  });

  it('rejects a missing exchange_url', () => {
    const error = errorOf(() =>
      parsePairingExtension(JSON.stringify({ base_url: EXTENSION.base_url })),
    );

    expect(error.message).toBe('The token is invalid.');
    expect(error.detail).toContain('exchange_url');
    expect(error.detail).not.toContain('base_url');
  });

  it('rejects a missing base_url', () => {
    const ext = JSON.stringify({ exchange_url: EXTENSION.exchange_url });

    const error = errorOf(() => parsePairingExtension(ext));

    expect(error.detail).toContain('base_url');
  });

  it.each([
    ['base_url a number', { base_url: 8040 }, 'base_url'],
    ['base_url not a URL', { base_url: 'jpd:8040' }, 'base_url'],
    ['base_url with the ftp scheme', { base_url: 'ftp://127.0.0.1' }, 'base_url'],
    ['exchange_url with the file scheme', { exchange_url: 'file:///etc/passwd' }, 'exchange_url'],
    ['pairing_url with the ws scheme', { pairing_url: 'ws://127.0.0.1:8040' }, 'pairing_url'],
    ['revocable a string', { revocable: 'true' }, 'revocable'],
  ])('rejects %s', (_case, change, field) => {
    const error = errorOf(() => parsePairingExtension(JSON.stringify({ ...EXTENSION, ...change })));

    expect(error.code).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(error.detail).toContain(field);
  });

  it('names the scheme rule in the detail', () => {
    const ext = JSON.stringify({ ...EXTENSION, base_url: 'ftp://127.0.0.1' });

    const error = errorOf(() => parsePairingExtension(ext));

    expect(error.detail).toContain('must be an http or https URL');
  });

  it('accepts https URLs', () => {
    const extension = {
      base_url: 'https://jpd.example',
      exchange_url: 'https://jpd.example/exchange',
    };

    expect(parsePairingExtension(JSON.stringify(extension))).toEqual(extension);
  });
});

describe('encodePairingExtension', () => {
  it('sets revocable true by default', () => {
    const decoded = JSON.parse(encodePairingExtension(EXTENSION));

    expect(decoded.revocable).toBe(true);
    expect(decoded.base_url).toBe(EXTENSION.base_url);
    expect(decoded.exchange_url).toBe(EXTENSION.exchange_url);
  });

  it('keeps revocable false', () => {
    const decoded = JSON.parse(encodePairingExtension({ ...EXTENSION, revocable: false }));

    expect(decoded.revocable).toBe(false);
  });

  it('leaves out a missing pairing_url', () => {
    const decoded = JSON.parse(encodePairingExtension(EXTENSION));

    expect(decoded).not.toHaveProperty('pairing_url');
  });

  it('round-trips through parsePairingExtension', () => {
    const extension = { ...EXTENSION, pairing_url: 'http://127.0.0.1:8040/pair' };

    expect(parsePairingExtension(encodePairingExtension(extension))).toEqual({
      ...extension,
      revocable: true,
    });
  });

  it('does not change its argument', () => {
    const extension = { ...EXTENSION };

    encodePairingExtension(extension);

    expect(extension).not.toHaveProperty('revocable');
  });
});

describe('pairingExtensionSchema', () => {
  it('drops unknown fields', () => {
    const parsed = pairingExtensionSchema.parse({ ...EXTENSION, unknown: 1 });

    expect(parsed).toEqual(EXTENSION);
  });
});

describe('pairingTokenClaimsSchema', () => {
  const claims = { ...CLAIMS, ext: JSON.stringify(EXTENSION) };

  it('accepts complete claims', () => {
    expect(pairingTokenClaimsSchema.parse(claims)).toEqual(claims);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an empty iss', { iss: '' }],
    ['an empty aud', { aud: '' }],
    ['an aud array', { aud: ['jfmc@mission-control-1'] }],
    ['an empty sub', { sub: '' }],
    ['an empty scp', { scp: '' }],
    ['a negative iat', { iat: -1 }],
    ['a fractional exp', { exp: 1.5 }],
    ['a string exp', { exp: '1900000300' }],
    ['a jti that is not a UUID', { jti: 'token-1' }],
    ['an ext object', { ext: EXTENSION }],
  ])('rejects %s', (_case, change) => {
    const result = pairingTokenClaimsSchema.safeParse({ ...claims, ...change });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(Object.keys(change));
  });
});

describe('accessTokenClaimsSchema', () => {
  it('accepts claims without ext', () => {
    expect(accessTokenClaimsSchema.parse(CLAIMS)).toEqual(CLAIMS);
  });

  it('drops an ext claim', () => {
    const parsed = accessTokenClaimsSchema.parse({ ...CLAIMS, ext: '{}' });

    expect(parsed).not.toHaveProperty('ext');
  });

  it('rejects a missing jti', () => {
    const { jti: _jti, ...claims } = CLAIMS;

    expect(accessTokenClaimsSchema.safeParse(claims).success).toBe(false);
  });
});
