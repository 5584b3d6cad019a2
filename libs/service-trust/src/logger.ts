import pino, { type Logger } from 'pino';

import { currentRequestFields } from './observability/request-context';

export type { Logger };

/** Log paths that may hold a secret; pino replaces their values before a line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.pairing_token',
  '*.access_token',
  'password',
  'token',
  'pairing_token',
  'access_token',
];

/**
 * Creates the JSON logger of a service, tagged with its name. A line written while a request is
 * handled also carries the request id as `reqId`.
 */
export function createLogger(options: {
  service: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: currentRequestFields,
    },
    options.destination,
  );
}
