import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';

import { ACCESS_TOKEN_TYPE, PAIRING_TOKEN_TYPE } from '../constants';
import {
  generateSigningKeyPair,
  importSigningKey,
  type GeneratedKeyPair,
  type SigningKey,
} from './keys';
import { signToken, type TokenClaims } from './sign';

const NOW = new Date('2030-01-01T00:00:00.900Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

const CLAIMS: TokenClaims = {
  iss: 'jfac@jpd-1',
  aud: 'jfmc@mission-control-1',
  sub: 'admin',
  jti: '5f0c7a4e-8d0b-4c7e-9a53-2b1f3c1d9e11',
  exp: NOW_SECONDS + 300,
};

let pair: GeneratedKeyPair;
let key: SigningKey;

beforeAll(async () => {
  pair = await generateSigningKeyPair('EdDSA');
  key = await importSigningKey(pair.privateJwk, 'EdDSA');
});

describe('signToken', () => {
  it('puts alg, kid and typ in the protected header', async () => {
    const token = await signToken({ key, typ: PAIRING_TOKEN_TYPE, claims: CLAIMS, now: NOW });

    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'EdDSA',
      kid: pair.kid,
      typ: PAIRING_TOKEN_TYPE,
    });
  });

  it('signs a token that the public key verifies', async () => {
    const token = await signToken({ key, typ: ACCESS_TOKEN_TYPE, claims: CLAIMS, now: NOW });

    const { payload } = await jwtVerify(token, await importJWK(pair.publicJwk, 'EdDSA'), {
      currentDate: NOW,
      typ: ACCESS_TOKEN_TYPE,
    });

    expect(payload).toEqual({ ...CLAIMS, iat: NOW_SECONDS });
  });

  it('sets iat from now in whole seconds', async () => {
    const token = await signToken({ key, typ: PAIRING_TOKEN_TYPE, claims: CLAIMS, now: NOW });

    expect(decodeJwt(token).iat).toBe(NOW_SECONDS);
  });

  it('keeps an iat given in the claims', async () => {
    const claims = { ...CLAIMS, iat: NOW_SECONDS - 60 };

    const token = await signToken({ key, typ: PAIRING_TOKEN_TYPE, claims, now: NOW });

    expect(decodeJwt(token).iat).toBe(NOW_SECONDS - 60);
  });

  it('sets iat from the system clock without now', async () => {
    const before = Math.floor(Date.now() / 1000);

    const token = await signToken({ key, typ: PAIRING_TOKEN_TYPE, claims: CLAIMS });

    const iat = decodeJwt(token).iat;
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('keeps extra claims', async () => {
    const claims = { ...CLAIMS, scp: 'system:info:r', ext: '{}' };

    const token = await signToken({ key, typ: PAIRING_TOKEN_TYPE, claims, now: NOW });

    expect(decodeJwt(token)).toMatchObject({ scp: 'system:info:r', ext: '{}' });
  });
});
