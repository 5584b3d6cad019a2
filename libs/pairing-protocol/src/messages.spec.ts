import {
  errorBody,
  errorBodySchema,
  exchangeRequestSchema,
  exchangeResponseSchema,
  pairingTokenRequestSchema,
  pairingTokenResponseSchema,
} from './messages';

describe('pairingTokenRequestSchema', () => {
  it('accepts an empty body', () => {
    expect(pairingTokenRequestSchema.parse({})).toEqual({});
  });

  it('accepts every field', () => {
    const body = { expires_in: 300, two_way: true };

    expect(pairingTokenRequestSchema.parse(body)).toEqual(body);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown field', { scope: 'admin' }],
    ['a zero expires_in', { expires_in: 0 }],
    ['a fractional expires_in', { expires_in: 1.5 }],
    ['a string expires_in', { expires_in: '300' }],
    ['a string two_way', { two_way: 'true' }],
  ])('rejects %s', (_case, body) => {
    expect(pairingTokenRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe('pairingTokenResponseSchema', () => {
  it('accepts a response', () => {
    const body = { pairing_token: 'a.b.c', token_id: 'id', expires_in: 300 };

    expect(pairingTokenResponseSchema.parse(body)).toEqual(body);
  });

  it('rejects a missing pairing_token', () => {
    expect(pairingTokenResponseSchema.safeParse({ token_id: 'id', expires_in: 300 }).success).toBe(
      false,
    );
  });
});

describe('exchangeRequestSchema', () => {
  const body = { service_id: 'jfmc@mission-control-1', base_url: 'http://127.0.0.1:8080' };

  it('accepts a request', () => {
    expect(exchangeRequestSchema.parse({ ...body, name: 'MC' })).toEqual({ ...body, name: 'MC' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown field', { admin: true }],
    ['an empty service_id', { service_id: '' }],
    ['a service_id over 200 characters', { service_id: 'x'.repeat(201) }],
    ['a base_url with the ftp scheme', { base_url: 'ftp://127.0.0.1' }],
    ['a base_url over 2048 characters', { base_url: `http://127.0.0.1/${'x'.repeat(2048)}` }],
    ['an empty name', { name: '' }],
  ])('rejects %s', (_case, change) => {
    expect(exchangeRequestSchema.safeParse({ ...body, ...change }).success).toBe(false);
  });

  it('accepts a service_id of 200 characters', () => {
    expect(exchangeRequestSchema.safeParse({ ...body, service_id: 'x'.repeat(200) }).success).toBe(
      true,
    );
  });
});

describe('exchangeResponseSchema', () => {
  const body = {
    access_token: 'a.b.c',
    token_id: 'id',
    expires_in: 3600,
    scope: 'system:info:r',
    token_type: 'Bearer',
  };

  it('accepts a response', () => {
    expect(exchangeResponseSchema.parse(body)).toEqual(body);
  });

  it.each<[string, Record<string, unknown>]>([
    ['another token_type', { token_type: 'bearer' }],
    ['an empty access_token', { access_token: '' }],
    ['a zero expires_in', { expires_in: 0 }],
  ])('rejects %s', (_case, change) => {
    expect(exchangeResponseSchema.safeParse({ ...body, ...change }).success).toBe(false);
  });
});

describe('errorBody', () => {
  it('builds a body with one error', () => {
    expect(errorBody('ERR_TOKEN_EXPIRED', 'The token expired.')).toEqual({
      errors: [{ code: 'ERR_TOKEN_EXPIRED', message: 'The token expired.' }],
    });
  });

  it('builds a body that errorBodySchema accepts', () => {
    expect(errorBodySchema.safeParse(errorBody('E', 'm')).success).toBe(true);
  });

  it('rejects an empty error list', () => {
    expect(errorBodySchema.safeParse({ errors: [] }).success).toBe(false);
  });
});
