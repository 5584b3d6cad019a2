/** JOSE `typ` header of a pairing token. */
export const PAIRING_TOKEN_TYPE = 'pairing+jwt';

/** JOSE `typ` header of an access token: master tokens and admin access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export type TokenType = typeof PAIRING_TOKEN_TYPE | typeof ACCESS_TOKEN_TYPE;

/** Default pairing-token lifetime: 5 minutes, as in JFrog Access. */
export const DEFAULT_PAIRING_TOKEN_TTL_SECONDS = 5 * 60;

/** Minimum pairing-token lifetime an administrator may request. */
export const MIN_PAIRING_TOKEN_TTL_SECONDS = 30;

/** Maximum pairing-token lifetime an administrator may request: 1 day. */
export const MAX_PAIRING_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Default master-token lifetime: 1 year. */
export const DEFAULT_MASTER_TOKEN_TTL_SECONDS = 365 * 24 * 60 * 60;

/** Default clock skew allowed when checking `exp`, `nbf` and `iat`. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/** Largest clock skew a verifier may be configured with. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 120;

/** Tokens longer than this are rejected before any parsing. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** Signature algorithms a service may sign with. Symmetric algorithms and `none` are never allowed. */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
