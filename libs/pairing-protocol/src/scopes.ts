/**
 * Use cases a pairing token can be issued for. `mission-control` is issued by a JPD's Access
 * service for Mission Control; `jpd` is issued by Mission Control for a JPD (two-way trust).
 */
export const USE_CASES = ['mission-control', 'jpd'] as const;

export type UseCase = (typeof USE_CASES)[number];

/** Returns true when `value` names a known use case. */
export function isUseCase(value: string): value is UseCase {
  return (USE_CASES as readonly string[]).includes(value);
}

/**
 * Returns the `scp` claim of a pairing token for `useCase`.
 *
 * @example
 * pairingScope('mission-control') // 'internal:service-trust/pairing/mission-control:x'
 */
export function pairingScope(useCase: UseCase): string {
  return `internal:service-trust/pairing/${useCase}:x`;
}

/** Scopes granted by the master token of each use case, space-separated as in OAuth. */
export const MASTER_TOKEN_SCOPES: Record<UseCase, string> = {
  'mission-control': 'system:info:r service-trust:pairing:w',
  jpd: 'system:info:r mc:heartbeat:w',
};

/** Scope of an administrator's access token. */
export const ADMIN_SCOPE = 'applied-permissions/admin';

/** Returns true when the space-separated `scope` contains `expected`, which must not be empty. */
export function hasScope(scope: string, expected: string): boolean {
  return expected.length > 0 && scope.split(' ').includes(expected);
}
