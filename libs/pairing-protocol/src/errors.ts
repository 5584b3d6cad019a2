/**
 * Stable machine codes of every protocol error, so callers can `switch` on them.
 */
export type ProtocolErrorCode =
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_HEADER_REJECTED'
  | 'ERR_TOKEN_SIGNATURE_INVALID'
  | 'ERR_TOKEN_TYPE_MISMATCH'
  | 'ERR_TOKEN_CLAIM_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_PAIRING_TOKEN_CONSUMED'
  | 'ERR_URL_REJECTED';

/**
 * Error raised for a bad token or a bad URL. `message` is safe to show to the party that
 * presented the token; `detail` may name internals and belongs in logs only.
 */
export class ProtocolError extends Error {
  override readonly name: string = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly status: number,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Raised when a token fails a format, signature or claim check. */
export class InvalidTokenError extends ProtocolError {
  override readonly name = 'InvalidTokenError';

  constructor(code: ProtocolErrorCode, message: string, detail?: string) {
    super(code, message, 401, detail);
  }
}

/** Raised when a pairing token is presented a second time. */
export class PairingTokenConsumedError extends ProtocolError {
  override readonly name = 'PairingTokenConsumedError';

  constructor(detail?: string) {
    super('ERR_PAIRING_TOKEN_CONSUMED', 'The pairing token was already used.', 409, detail);
  }
}

/** Raised when a URL read from a token, or entered by an administrator, breaks the URL policy. */
export class UrlRejectedError extends ProtocolError {
  override readonly name = 'UrlRejectedError';

  constructor(message: string, detail?: string) {
    super('ERR_URL_REJECTED', message, 400, detail);
  }
}

/** Returns true when `error` is a protocol error with the given code. */
export function isProtocolError(error: unknown, code?: ProtocolErrorCode): error is ProtocolError {
  return error instanceof ProtocolError && (code === undefined || error.code === code);
}
