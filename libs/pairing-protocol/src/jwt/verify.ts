import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import type { z } from 'zod';

import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type TokenType,
} from '../constants';
import { InvalidTokenError, ProtocolError } from '../errors';
import { assertTokenType, readProtectedHeader } from './decode';
import type { PublicKeySet } from './keys';

/** Settings of a verifier, fixed when it is created. */
export interface TokenVerifierOptions {
  /** The verifier's own public keys. Keys named by the token are never used. */
  keySet: PublicKeySet;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** Accepted `alg` values; defaults to every algorithm in {@link SIGNING_ALGORITHMS}. */
  algorithms?: readonly SigningAlgorithm[];
  /** Allowed clock skew in seconds, at most {@link MAX_CLOCK_TOLERANCE_SECONDS}. */
  clockToleranceSeconds?: number;
}

/** A token whose signature and registered claims were checked. */
export interface VerifiedToken<Claims> {
  header: ProtectedHeaderParameters;
  claims: Claims;
}

/** Verifies tokens against one fixed key set, issuer and audience. */
export interface TokenVerifier {
  verify<Schema extends z.ZodType<JWTPayload>>(
    token: unknown,
    expected: { typ: TokenType; schema: Schema; now?: Date },
  ): Promise<VerifiedToken<z.infer<Schema>>>;
}

/**
 * Creates a verifier that checks, in order: length and form, forbidden headers, `typ`,
 * algorithm, signature with the verifier's own keys, `iss`, `aud`, `exp`, `nbf` and `iat` within
 * the clock tolerance, and finally the claim schema.
 *
 * @throws {TypeError} when an option is out of range.
 * @example
 * const verifier = createTokenVerifier({ keySet, issuer: serviceId, audience: serviceId })
 * const { claims } = await verifier.verify(token, {
 *   typ: PAIRING_TOKEN_TYPE,
 *   schema: pairingTokenClaimsSchema,
 * })
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new TypeError(
      `"clockToleranceSeconds" must be an integer from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`,
    );
  }

  const algorithms = [...(options.algorithms ?? SIGNING_ALGORITHMS)];
  const unknown = algorithms.filter((alg) => !SIGNING_ALGORITHMS.includes(alg));
  if (algorithms.length === 0 || unknown.length > 0) {
    throw new TypeError(
      `"algorithms" must be a non-empty subset of ${SIGNING_ALGORITHMS.join(', ')}`,
    );
  }

  const keys = createLocalJWKSet(options.keySet);

  return {
    async verify(token, expected) {
      const header = readProtectedHeader(token);
      assertTokenType(header, expected.typ);

      const now = expected.now ?? new Date();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token as string, keys, {
          algorithms,
          issuer: options.issuer,
          audience: options.audience,
          typ: expected.typ,
          clockTolerance: tolerance,
          currentDate: now,
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        }));
      } catch (error) {
        throw translateJoseError(error);
      }

      if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + tolerance) {
        throw new InvalidTokenError(
          'ERR_TOKEN_NOT_YET_VALID',
          'The token was issued in the future.',
        );
      }

      const result = expected.schema.safeParse(payload);
      if (!result.success) {
        const fields = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
        throw new InvalidTokenError(
          'ERR_TOKEN_CLAIM_INVALID',
          `The token has missing or invalid claims: ${fields}.`,
        );
      }
      return { header, claims: result.data };
    },
  };
}

/** Translates a jose error into a protocol error. No other module reads jose error codes. */
function translateJoseError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;

  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError('ERR_TOKEN_EXPIRED', 'The token expired.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    // A missing or non-numeric nbf or iat has another reason ("missing", "invalid") and falls
    // through to ERR_TOKEN_CLAIM_INVALID below.
    if ((error.claim === 'nbf' || error.claim === 'iat') && error.reason === 'check_failed') {
      return new InvalidTokenError('ERR_TOKEN_NOT_YET_VALID', 'The token is not valid yet.');
    }
    if (error.claim === 'typ') {
      return new InvalidTokenError('ERR_TOKEN_TYPE_MISMATCH', 'The token is of the wrong kind.');
    }
    return new InvalidTokenError(
      'ERR_TOKEN_CLAIM_INVALID',
      `The token's "${error.claim}" claim is not accepted here.`,
      error.reason,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new InvalidTokenError(
      'ERR_TOKEN_HEADER_REJECTED',
      'The token algorithm is not accepted.',
    );
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new InvalidTokenError(
      'ERR_TOKEN_SIGNATURE_INVALID',
      'The token signature does not match any key of this service.',
    );
  }
  if (error instanceof errors.JOSEError) {
    return new InvalidTokenError('ERR_TOKEN_MALFORMED', 'The token is malformed.', error.code);
  }
  // WebCrypto rejects key material it cannot import, such as an EC point off its curve.
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'DataError' || name === 'NotSupportedError') {
    return new InvalidTokenError(
      'ERR_TOKEN_SIGNATURE_INVALID',
      'The key set holds a key that cannot be used.',
      String(error),
    );
  }
  throw error;
}
