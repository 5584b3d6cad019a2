/** An error with an HTTP status and a stable code, whose message is safe to return. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'INVALID_REQUEST') =>
  new HttpError(400, code, message);

export const unauthorized = (message = 'Authentication is required.', code = 'UNAUTHORIZED') =>
  new HttpError(401, code, message, { 'WWW-Authenticate': 'Basic realm="service-trust", Bearer' });

export const forbidden = (message: string, code = 'FORBIDDEN') => new HttpError(403, code, message);

export const notFound = (message: string, code = 'NOT_FOUND') => new HttpError(404, code, message);

export const conflict = (message: string, code = 'CONFLICT') => new HttpError(409, code, message);
