import { randomUUID } from 'node:crypto';

import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorBody, ProtocolError } from '@service-trust/pairing-protocol';

import { isDatabaseUnavailable } from '../db/availability';
import type { Logger } from '../logger';
import { HttpError } from './http-error';

/** Seconds a client is asked to wait after a 503 for an unreachable database. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Sends a 404 in the error shape for a route that no router matched. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};

/**
 * Maps errors to the one error body. Known errors keep their status, code and message; anything
 * else becomes a 500 with a correlation id that is logged with the real error.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }

    if (error instanceof HttpError) {
      res.set(error.headers);
      res.status(error.status).json(errorBody(error.code, error.message));
      return;
    }
    if (error instanceof ProtocolError) {
      if (error.status === 401) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      res.status(error.status).json(errorBody(error.code, error.message));
      return;
    }

    const bodyError = describeBodyError(error);
    if (bodyError) {
      res.status(bodyError.status).json(errorBody(bodyError.code, bodyError.message));
      return;
    }

    const correlationId = randomUUID();
    // Nothing was committed, because each change is one statement or one transaction, so the
    // client may try again.
    if (isDatabaseUnavailable(error)) {
      logger.warn(
        { err: loggableError(error), correlationId, method: req.method, path: req.path },
        'database unavailable',
      );
      res
        .status(503)
        .set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS))
        .json(
          errorBody(
            'SERVICE_UNAVAILABLE',
            `The service cannot reach its database; try again later. Correlation id: ${correlationId}.`,
          ),
        );
      return;
    }
    logger.error(
      { err: loggableError(error), correlationId, method: req.method, path: req.path },
      'request failed',
    );
    res
      .status(500)
      .json(errorBody('INTERNAL_ERROR', `The request failed. Correlation id: ${correlationId}.`));
  };
}

/** Describes the errors that Express's body parser raises, by their `type`. */
function describeBodyError(
  error: unknown,
): { status: number; code: string; message: string } | undefined {
  const type = (error as { type?: unknown } | undefined)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON.' };
    case 'entity.too.large':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'The body encoding is not supported.',
      };
    default: {
      // Other client errors of the body parser, such as a body that does not decompress.
      const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
      if (expose === true && typeof status === 'number' && status >= 400 && status < 500) {
        return { status, code: 'INVALID_REQUEST', message: 'The request body could not be read.' };
      }
      return undefined;
    }
  }
}

/**
 * Copies the parts of an error that are safe to log. A database error also carries its query
 * parameters, which may include encrypted secrets, so they are left out.
 */
export function loggableError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const loggable: Record<string, unknown> = {
    type: error.name,
    message: error.message,
    code,
    stack: error.stack,
  };
  // The cause, such as the driver error behind a failed query, is copied with the same care, to
  // a bounded depth because causes may form a cycle.
  if (error.cause !== undefined && depth < 3)
    loggable.cause = loggableError(error.cause, depth + 1);
  return loggable;
}
