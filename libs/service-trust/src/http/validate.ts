import type { Request } from 'express';
import { z } from 'zod';

import { badRequest } from './http-error';
import { containsNul } from './redact';

/**
 * Parses the JSON body of `req` with `schema`. A missing body parses as `{}` only when
 * `optional` is set.
 *
 * @throws {HttpError} 400 naming each invalid field.
 */
export function parseBody<Schema extends z.ZodType>(
  req: Request,
  schema: Schema,
  options: { optional?: boolean } = {},
): z.infer<Schema> {
  let body: unknown = req.body;
  if (body === undefined || (options.optional && req.headers['content-length'] === '0')) {
    if (!options.optional) throw badRequest('The request body must be a JSON object.');
    body = {};
  }

  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }

  // PostgreSQL cannot store NUL in text, and no field of this API needs it.
  if (containsNul(body)) throw badRequest('The request body contains a NUL character.');

  const result = schema.safeParse(body);
  if (!result.success) {
    throw badRequest(`Invalid request body: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/** Lists the issues of a zod error as `field: message` pairs. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
