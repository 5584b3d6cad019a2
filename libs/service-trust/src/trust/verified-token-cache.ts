import { createHash } from 'node:crypto';

/** Maximum number of verified tokens kept in memory; past it the oldest entry is dropped. */
const MAX_ENTRIES = 10_000;

/** Maximum time a verification is reused, in milliseconds, however long the token lives. */
const MAX_AGE_MS = 60_000;

/**
 * Remembers access tokens whose signature and claims this process verified, so that a peer
 * calling again with the same master token costs no second signature check. Entries are keyed
 * by the SHA-256 digest of the token text, so the cache keeps no usable token, and each one is
 * used only before the token's `exp` and for at most a minute.
 *
 * The cache only records whether this exact text was verified. The caller still checks on every
 * request whether the token is active.
 */
export class VerifiedTokenCache<Claims extends { exp: number }> {
  private readonly entries = new Map<string, { claims: Claims; reuseUntilMs: number }>();

  /** Returns the claims of `token` when it was verified recently and has not expired at `nowMs`. */
  get(token: string, nowMs: number): Claims | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;

    if (nowMs >= entry.reuseUntilMs || nowMs >= entry.claims.exp * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.claims;
  }

  /** Stores the claims of a token that was just verified at `nowMs`. */
  set(token: string, claims: Claims, nowMs: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest(token), { claims, reuseUntilMs: nowMs + MAX_AGE_MS });
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
