import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';

import type { SigningAlgorithm } from '../constants';

/** A private key ready to sign, with the `kid` and `alg` its tokens carry. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
}

/** A generated key pair as JWKs, for storage (private, encrypted) and publication (public). */
export interface GeneratedKeyPair {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A JWK Set with public keys only. */
export interface PublicKeySet {
  keys: JWK[];
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Generates a key pair for `alg`. The `kid` is the RFC 7638 thumbprint of the public key.
 *
 * @example
 * const { kid, privateJwk, publicJwk } = await generateSigningKeyPair('ES256')
 */
export async function generateSigningKeyPair(alg: SigningAlgorithm): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');

  return {
    kid,
    alg,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  };
}

/** Imports a stored private JWK as a signing key. */
export async function importSigningKey(
  privateJwk: JWK,
  alg: SigningAlgorithm,
): Promise<SigningKey> {
  if (typeof privateJwk.kid !== 'string') {
    throw new TypeError('"privateJwk.kid" must be a string');
  }
  const privateKey = (await importJWK(privateJwk, alg)) as CryptoKey;
  return { kid: privateJwk.kid, alg, privateKey };
}

/**
 * Copies public JWKs into a JWK Set, dropping any private member so that a mistake upstream can
 * never publish a private key.
 */
export function toPublicKeySet(publicJwks: JWK[]): PublicKeySet {
  return {
    keys: publicJwks.map((jwk) =>
      Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name))),
    ),
  };
}
