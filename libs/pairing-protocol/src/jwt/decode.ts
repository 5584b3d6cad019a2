import { decodeJwt, decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';

import { MAX_TOKEN_LENGTH, PAIRING_TOKEN_TYPE, type TokenType } from '../constants';
import {
  pairingTokenClaimsSchema,
  parsePairingExtension,
  type PairingExtension,
  type PairingTokenClaims,
} from '../claims';
import { InvalidTokenError } from '../errors';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Header members that point a verifier at keys chosen by the token's author. */
const FORBIDDEN_HEADER_MEMBERS = ['jku', 'x5u', 'jwk', 'x5c'];

/**
 * Checks the length and compact form of `token` and returns its protected header, rejecting
 * headers that name their own keys. Nothing here is trusted until the signature is verified.
 *
 * @throws {InvalidTokenError} when the token is too long, malformed or has a forbidden header.
 */
export function readProtectedHeader(token: unknown): ProtectedHeaderParameters {
  if (typeof token !== 'string' || token.length === 0) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'The token is not a JWT.');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError(
      'ERR_TOKEN_TOO_LARGE',
      `The token is longer than ${MAX_TOKEN_LENGTH} characters.`,
    );
  }
  if (!COMPACT_JWS.test(token)) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'The token is not a signed JWT.');
  }

  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'The token header is not valid JSON.');
  }

  const forbidden = FORBIDDEN_HEADER_MEMBERS.filter((member) => member in header);
  if (forbidden.length > 0) {
    throw new InvalidTokenError(
      'ERR_TOKEN_HEADER_REJECTED',
      `The token header names its own key (${forbidden.join(', ')}), which is not accepted.`,
    );
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0) {
    throw new InvalidTokenError(
      'ERR_TOKEN_HEADER_REJECTED',
      'The token header has no key id (kid).',
    );
  }
  return header;
}

/** Throws unless the header's `typ` is `expected`. */
export function assertTokenType(header: ProtectedHeaderParameters, expected: TokenType): void {
  if (header.typ !== expected) {
    throw new InvalidTokenError(
      'ERR_TOKEN_TYPE_MISMATCH',
      `The token is of the wrong kind: expected typ "${expected}".`,
      `typ is ${JSON.stringify(header.typ)}`,
    );
  }
}

/** An unverified pairing token, read so that a consumer learns its issuer's base URL. */
export interface UnverifiedPairingToken {
  header: ProtectedHeaderParameters;
  claims: PairingTokenClaims;
  extension: PairingExtension;
}

/**
 * Reads a pairing token without verifying its signature. A consumer uses the `base_url` found
 * here only after comparing it with the URL an administrator entered, and calls no URL from the
 * token before it has verified the signature with keys fetched from that URL.
 *
 * @throws {InvalidTokenError} when the token is malformed or is not a pairing token.
 */
export function decodePairingToken(token: unknown): UnverifiedPairingToken {
  const header = readProtectedHeader(token);
  assertTokenType(header, PAIRING_TOKEN_TYPE);

  let payload: unknown;
  try {
    payload = decodeJwt(token as string);
  } catch {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'The token payload is not valid JSON.');
  }

  const result = pairingTokenClaimsSchema.safeParse(payload);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new InvalidTokenError(
      'ERR_TOKEN_CLAIM_INVALID',
      `The pairing token has missing or invalid claims: ${fields}.`,
    );
  }
  return { header, claims: result.data, extension: parsePairingExtension(result.data.ext) };
}
