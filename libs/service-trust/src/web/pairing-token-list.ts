import type { DataSource } from 'typeorm';

import type { TokenRecord } from '../entities/records';
import { Entities } from '../entities/schemas';

/** Number of pairing tokens the admin page lists, newest first. */
const LISTED_PAIRING_TOKENS = 100;

/** State of an issued pairing token as the admin page shows it. */
export type PairingTokenState = 'unused' | 'used' | 'revoked' | 'expired';

/** A pairing token as the admin page lists it: never with its text, which is not stored. */
export interface PairingTokenView {
  token_id: string;
  use_case: string | undefined;
  issued_by: string;
  state: PairingTokenState;
  issued_at: string;
  expires_at: string;
}

/** Returns the newest pairing tokens that this service issued, with their state at `now`. */
export async function listPairingTokens(
  dataSource: DataSource,
  now: Date,
): Promise<PairingTokenView[]> {
  const records = await dataSource.getRepository<TokenRecord>(Entities.token).find({
    where: { kind: 'pairing' },
    order: { createdAt: 'DESC' },
    take: LISTED_PAIRING_TOKENS,
  });
  return records.map((record) => ({
    token_id: record.id,
    use_case: record.useCase ?? undefined,
    issued_by: record.subject.split('/users/')[1] ?? record.subject,
    state: stateOf(record, now),
    issued_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
  }));
}

function stateOf(record: TokenRecord, now: Date): PairingTokenState {
  if (record.status === 'revoked') return 'revoked';
  if (record.status === 'used') return 'used';
  return record.expiresAt <= now ? 'expired' : 'unused';
}
