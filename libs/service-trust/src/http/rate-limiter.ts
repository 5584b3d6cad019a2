import type { Request, RequestHandler } from 'express';

import { HttpError } from './http-error';

/** Most keys kept before expired windows are pruned. */
const PRUNE_THRESHOLD = 10_000;

/**
 * Counts events per key in fixed windows and reports when a key went over its limit.
 *
 * NOTE: counts live in this process, so each replica enforces the limit on its own. Behind a
 * load balancer with n replicas, a client may get up to n times the limit.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly options: { limit: number; windowMs: number; now?: () => number }) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new TypeError('"limit" must be a positive integer');
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Seconds until `key` may act again, or 0 when it is within its limit. */
  retryAfter(key: string): number {
    const window = this.windows.get(key);
    const now = this.now();
    if (!window || window.resetAt <= now || window.count < this.options.limit) return 0;
    return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
  }

  /** Counts one event for `key`. */
  record(key: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.resetAt > now) {
      window.count++;
      return;
    }

    if (this.windows.size >= PRUNE_THRESHOLD) this.prune(now);
    this.windows.set(key, { count: 1, resetAt: now + this.options.windowMs });
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(key);
    }
  }
}

/** Returns the address a request came from, the key of per-client limits. */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Raised when a client went over a rate limit. */
export function tooManyRequests(retryAfterSeconds: number): HttpError {
  return new HttpError(
    429,
    'RATE_LIMITED',
    `Too many requests; retry after ${retryAfterSeconds} seconds.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** Limits every request that reaches the handler, per client address. */
export function rateLimit(limiter: RateLimiter): RequestHandler {
  return (req, _res, next) => {
    const key = clientAddress(req);
    const wait = limiter.retryAfter(key);
    if (wait > 0) throw tooManyRequests(wait);

    limiter.record(key);
    next();
  };
}
