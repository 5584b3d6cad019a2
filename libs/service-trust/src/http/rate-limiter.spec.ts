import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows events up to the limit in a window', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, now: () => now });

    limiter.record('client');
    expect(limiter.retryAfter('client')).toBe(0);
    limiter.record('client');

    expect(limiter.retryAfter('client')).toBe(60);
    now = 30_000;
    expect(limiter.retryAfter('client')).toBe(30);
  });

  it('starts a new window after the old one ends', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 1, windowMs: 1_000, now: () => now });
    limiter.record('client');
    expect(limiter.retryAfter('client')).toBe(1);

    now = 1_000;

    expect(limiter.retryAfter('client')).toBe(0);
    limiter.record('client');
    expect(limiter.retryAfter('client')).toBe(1);
  });

  it('counts each key on its own', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000 });

    limiter.record('first');

    expect(limiter.retryAfter('first')).toBeGreaterThan(0);
    expect(limiter.retryAfter('second')).toBe(0);
  });

  it('rejects a limit below one', () => {
    expect(() => new RateLimiter({ limit: 0, windowMs: 1_000 })).toThrow(TypeError);
  });
});
