import type { Request } from 'express';
import { z } from 'zod';

import { badRequest } from './http-error';

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

  const problem = inspectJson(body);
  if (problem === 'nul') throw badRequest('The request body contains a NUL character.');
  if (problem === 'depth') {
    throw badRequest(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels.`);
  }

  const result = schema.safeParse(body);
  if (!result.success) {
    throw badRequest(`Invalid request body: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/** Deepest nesting of arrays and objects that a request body may have; no API body needs more. */
export const MAX_BODY_DEPTH = 16;

/**
 * Walks a parsed JSON value without recursion, so that no nesting depth can exhaust the stack.
 * Finds NUL characters, which PostgreSQL cannot store in text and no field of this API needs,
 * and nesting deeper than {@link MAX_BODY_DEPTH}.
 */
function inspectJson(value: unknown): 'nul' | 'depth' | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return 'nul';
      continue;
    }
    if (!item.value || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_BODY_DEPTH) return 'depth';
    for (const [key, child] of Object.entries(item.value)) {
      if (key.includes('\u0000')) return 'nul';
      pending.push({ value: child, depth: item.depth + 1 });
    }
  }
  return undefined;
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
