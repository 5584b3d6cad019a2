import { AsyncLocalStorage } from 'node:async_hooks';

import type { RequestHandler } from 'express';

/** Fields that every log line written while a request is handled carries. */
export interface RequestLogFields {
  reqId: string;
}

const storage = new AsyncLocalStorage<RequestLogFields>();

/**
 * Returns the log fields of the request being handled, or an empty object outside a request.
 * The logger adds them to each line, so the request id reaches lines written by code that never
 * receives the request, such as the token service.
 */
export function currentRequestFields(): Partial<RequestLogFields> {
  // A copy, because pino merges each line's fields into the object that the mixin returns.
  const fields = storage.getStore();
  return fields ? { ...fields } : {};
}

/** Middleware that runs the rest of the request with its id in the log context. */
export const bindRequestContext: RequestHandler = (req, _res, next) => {
  storage.run({ reqId: String(req.id) }, next);
};
