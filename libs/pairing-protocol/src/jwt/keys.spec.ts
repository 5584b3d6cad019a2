import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';

import { SIGNING_ALGORITHMS } from '../constants';
import { generateSigningKeyPair, importSigningKey, toPublicKeySet } from './keys';
import { signToken } from './sign';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('generateSigningKeyPair', () => {
  it.each(SIGNING_ALGORITHMS)('generates a %s key pair', async (alg) => {
    const pair = await generateSigningKeyPair(alg);

    expect(pair.alg).toBe(alg);
    expect(pair.publicJwk.kid).toBe(pair.kid);
    expect(pair.publicJwk.alg).toBe(alg);
    expect(pair.publicJwk.use).toBe('sig');
    expect(pair.privateJwk.kid).toBe(pair.kid);
    expect(pair.privateJwk.alg).toBe(alg);
    expect(typeof pair.privateJwk.d).toBe('string');
    for (const member of PRIVATE_MEMBERS) {
      expect(pair.publicJwk).not.toHaveProperty(member);
    }
  });

  it('uses the RFC 7638 thumbprint as kid', async () => {
    const pair = await generateSigningKeyPair('ES256');

    expect(pair.kid).toBe(await calculateJwkThumbprint(pair.publicJwk, 'sha256'));
  });

  it('generates a distinct key each time', async () => {
    const first = await generateSigningKeyPair('EdDSA');
    const second = await generateSigningKeyPair('EdDSA');

    expect(first.kid).not.toBe(second.kid);
  });
});

describe('importSigningKey', () => {
  it('imports a generated private key that signs', async () => {
    const pair = await generateSigningKeyPair('ES256');

    const key = await importSigningKey(pair.privateJwk, 'ES256');
    const token = await signToken({
      key,
      typ: 'at+jwt',
      claims: { iss: 'a', aud: 'b', sub: 'c', jti: 'd', exp: 2_000_000_000 },
    });
    const { protectedHeader } = await compactVerify(
      token,
      await importJWK(pair.publicJwk, 'ES256'),
    );

    expect(key.kid).toBe(pair.kid);
    expect(key.alg).toBe('ES256');
    expect(protectedHeader.kid).toBe(pair.kid);
  });

  it('rejects a private JWK without kid', async () => {
    const pair = await generateSigningKeyPair('ES256');
    const { kid: _kid, ...privateJwk } = pair.privateJwk;

    await expect(importSigningKey(privateJwk, 'ES256')).rejects.toThrow(TypeError);
    await expect(importSigningKey(privateJwk, 'ES256')).rejects.toThrow(
      '"privateJwk.kid" must be a string',
    );
  });

  it('rejects a key of another algorithm', async () => {
    const pair = await generateSigningKeyPair('EdDSA');

    await expect(importSigningKey(pair.privateJwk, 'ES256')).rejects.toThrow();
  });
});

describe('toPublicKeySet', () => {
  it('strips the private members of an EC key', async () => {
    const pair = await generateSigningKeyPair('ES256');

    const { keys } = toPublicKeySet([pair.privateJwk]);

    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: pair.publicJwk.x,
      y: pair.publicJwk.y,
      kid: pair.kid,
      alg: 'ES256',
    });
  });

  it('strips every private member of an RSA key', async () => {
    const pair = await generateSigningKeyPair('RS256');
    const privateJwk: JWK = { ...pair.privateJwk, oth: [{ r: 'AQ', d: 'AQ', t: 'AQ' }] };

    const [publicJwk] = toPublicKeySet([privateJwk]).keys;

    for (const member of PRIVATE_MEMBERS) {
      expect(publicJwk).not.toHaveProperty(member);
    }
    expect(publicJwk.n).toBe(pair.publicJwk.n);
    expect(publicJwk.e).toBe(pair.publicJwk.e);
  });

  it('strips the secret of a symmetric key', () => {
    const [publicJwk] = toPublicKeySet([{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }]).keys;

    expect(publicJwk).toEqual({ kty: 'oct', kid: 'hmac' });
  });

  it('keeps public keys as they are', async () => {
    const pair = await generateSigningKeyPair('EdDSA');

    expect(toPublicKeySet([pair.publicJwk]).keys).toEqual([pair.publicJwk]);
  });

  it('leaves its input unchanged', async () => {
    const pair = await generateSigningKeyPair('ES256');
    const privateJwk = { ...pair.privateJwk };

    toPublicKeySet([privateJwk]);

    expect(privateJwk.d).toBe(pair.privateJwk.d);
  });

  it('returns a stripped key that verifies signatures', async () => {
    const pair = await generateSigningKeyPair('RS256');
    const key = await importSigningKey(pair.privateJwk, 'RS256');
    const token = await signToken({
      key,
      typ: 'at+jwt',
      claims: { iss: 'a', aud: 'b', sub: 'c', jti: 'd', exp: 2_000_000_000 },
    });

    const [publicJwk] = toPublicKeySet([pair.privateJwk]).keys;
    const verified = await compactVerify(token, await importJWK(publicJwk, 'RS256'));

    expect(verified.protectedHeader.alg).toBe('RS256');
  });

  it('returns an empty set for no keys', () => {
    expect(toPublicKeySet([])).toEqual({ keys: [] });
  });
});
