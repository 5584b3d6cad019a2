import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  const now = Date.UTC(2026, 0, 1);
  const claims = { jti: 'a', exp: now / 1000 + 3600 };

  it('returns the claims of a stored token', () => {
    const cache = new VerifiedTokenCache<typeof claims>();
    cache.set('token-a', claims, now);

    expect(cache.get('token-a', now + 1_000)).toBe(claims);
    expect(cache.get('token-b', now + 1_000)).toBeUndefined();
  });

  it('forgets a token at its exp', () => {
    const cache = new VerifiedTokenCache<{ exp: number }>();
    cache.set('short', { exp: now / 1000 + 10 }, now);

    expect(cache.get('short', now + 9_999)).toBeDefined();
    expect(cache.get('short', now + 10_000)).toBeUndefined();
  });

  it('reuses a verification for one minute', () => {
    const cache = new VerifiedTokenCache<typeof claims>();
    cache.set('token-a', claims, now);

    expect(cache.get('token-a', now + 59_999)).toBe(claims);
    expect(cache.get('token-a', now + 60_000)).toBeUndefined();
    expect(cache.get('token-a', now + 1_000)).toBeUndefined();
  });
});
