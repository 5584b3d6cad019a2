import {
  InvalidTokenError,
  PairingTokenConsumedError,
  ProtocolError,
  UrlRejectedError,
  isProtocolError,
} from './errors';

describe('protocol errors', () => {
  it('gives InvalidTokenError status 401', () => {
    const error = new InvalidTokenError('ERR_TOKEN_EXPIRED', 'The token expired.', 'exp 1');

    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidTokenError');
    expect(error.code).toBe('ERR_TOKEN_EXPIRED');
    expect(error.message).toBe('The token expired.');
    expect(error.status).toBe(401);
    expect(error.detail).toBe('exp 1');
  });

  it('gives PairingTokenConsumedError status 409', () => {
    const error = new PairingTokenConsumedError('jti 1');

    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.name).toBe('PairingTokenConsumedError');
    expect(error.code).toBe('ERR_PAIRING_TOKEN_CONSUMED');
    expect(error.message).toBe('The pairing token was already used.');
    expect(error.status).toBe(409);
    expect(error.detail).toBe('jti 1');
  });

  it('gives UrlRejectedError status 400', () => {
    const error = new UrlRejectedError('The URL is bad.');

    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.name).toBe('UrlRejectedError');
    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.status).toBe(400);
    expect(error.detail).toBeUndefined();
  });

  it('names ProtocolError itself', () => {
    expect(new ProtocolError('ERR_TOKEN_REVOKED', 'Revoked.', 401).name).toBe('ProtocolError');
  });
});

describe('isProtocolError', () => {
  it('accepts any protocol error without a code', () => {
    expect(isProtocolError(new UrlRejectedError('x'))).toBe(true);
  });

  it('matches the code when given', () => {
    const error = new InvalidTokenError('ERR_TOKEN_EXPIRED', 'x');

    expect(isProtocolError(error, 'ERR_TOKEN_EXPIRED')).toBe(true);
    expect(isProtocolError(error, 'ERR_TOKEN_MALFORMED')).toBe(false);
  });

  it.each([
    new Error('x'),
    new TypeError('x'),
    { code: 'ERR_TOKEN_EXPIRED' },
    null,
    'ERR_TOKEN_EXPIRED',
  ])('rejects %p', (value) => {
    expect(isProtocolError(value)).toBe(false);
  });
});
