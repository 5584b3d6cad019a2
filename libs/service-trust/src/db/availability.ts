/** PostgreSQL error codes that mean the server cannot serve this session now. */
const POSTGRES_UNAVAILABLE_CODES = new Set([
  '53300', // too many connections
  '55000', // database not accepting connections (ALLOW_CONNECTIONS false)
  '57P01', // terminated by an administrator
  '57P02', // crash shutdown
  '57P03', // cannot connect now, e.g. starting up
  '3D000', // the database does not exist
]);

/** Network errors of a connection to the database server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Messages of the PostgreSQL driver for a connection that broke or never opened. */
const BROKEN_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
];

/**
 * Tells whether `error` means the database cannot be reached or cannot take work for now: its
 * server is down, refuses or dropped the connection, or the SQLite file is locked by another
 * process or cannot be written. Such a request can be repeated later, unlike one that failed
 * because of the request itself or a fault in this service.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const candidate of [error, (error as { driverError?: unknown } | null)?.driverError]) {
    if (!candidate || typeof candidate !== 'object') continue;
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (code.startsWith('08') && code.length === 5) return true; // connection exceptions
      if (POSTGRES_UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code)) return true;
      if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/.test(code)) return true;
    }
    if (
      typeof message === 'string' &&
      BROKEN_CONNECTION_MESSAGES.some((text) => message.includes(text))
    ) {
      return true;
    }
  }
  return false;
}
