import { z } from 'zod';

import { InvalidTokenError } from './errors';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });

/**
 * Decoded `ext` claim of a pairing token. Unknown fields are dropped, so services of different
 * versions can pair during a rolling upgrade.
 */
export const pairingExtensionSchema = z.object({
  base_url: httpUrl,
  exchange_url: httpUrl,
  pairing_url: httpUrl.optional(),
  revocable: z.boolean().optional(),
});

export type PairingExtension = z.infer<typeof pairingExtensionSchema>;

const numericDate = z.number().int().nonnegative();

/** Claims of a pairing token. `ext` is a JSON string, as in JFrog Access. */
export const pairingTokenClaimsSchema = z.object({
  iss: z.string().min(1),
  aud: z.string().min(1),
  sub: z.string().min(1),
  scp: z.string().min(1),
  iat: numericDate,
  exp: numericDate,
  jti: z.uuid(),
  ext: z.string(),
});

export type PairingTokenClaims = z.infer<typeof pairingTokenClaimsSchema>;

/** Claims of an access token: a master token or an administrator's access token. */
export const accessTokenClaimsSchema = z.object({
  iss: z.string().min(1),
  aud: z.string().min(1),
  sub: z.string().min(1),
  scp: z.string().min(1),
  iat: numericDate,
  exp: numericDate,
  jti: z.uuid(),
});

export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/**
 * Parses the `ext` claim of a pairing token.
 *
 * @throws {InvalidTokenError} when `ext` is not a JSON string holding `base_url` and
 *   `exchange_url`.
 * @example
 * parsePairingExtension('{"base_url":"http://jpd:8040","exchange_url":"http://jpd:8040/x"}')
 */
export function parsePairingExtension(ext: unknown): PairingExtension {
  if (typeof ext !== 'string') {
    throw new InvalidTokenError(
      'ERR_TOKEN_CLAIM_INVALID',
      'The token is invalid.',
      'ext is not a string',
    );
  }

  let decoded: unknown;
  try {
    decoded = JSON.parse(ext);
  } catch {
    throw new InvalidTokenError(
      'ERR_TOKEN_CLAIM_INVALID',
      'The token is invalid.',
      'ext is not JSON',
    );
  }

  const result = pairingExtensionSchema.safeParse(decoded);
  if (!result.success) {
    throw new InvalidTokenError(
      'ERR_TOKEN_CLAIM_INVALID',
      'The token is invalid.',
      `ext is invalid: ${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}

/** Encodes a pairing extension as the JSON string carried in the `ext` claim. */
export function encodePairingExtension(extension: PairingExtension): string {
  return JSON.stringify({ ...extension, revocable: extension.revocable ?? true });
}
