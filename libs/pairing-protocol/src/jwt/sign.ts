import { SignJWT, type JWTPayload } from 'jose';

import type { TokenType } from '../constants';
import type { SigningKey } from './keys';

/** Claims a caller signs; `iat` is set from `now` when missing. */
export interface TokenClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  jti: string;
  exp: number;
}

/**
 * Signs `claims` as a compact JWS with `alg`, `kid` and `typ` in the protected header.
 *
 * @example
 * const token = await signToken({ key, typ: 'pairing+jwt', claims })
 */
export async function signToken(options: {
  key: SigningKey;
  typ: TokenType;
  claims: TokenClaims;
  now?: Date;
}): Promise<string> {
  const { key, typ, claims } = options;
  const iat = claims.iat ?? Math.floor((options.now ?? new Date()).getTime() / 1000);

  return new SignJWT({ ...claims, iat })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .sign(key.privateKey);
}
