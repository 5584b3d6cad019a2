import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

import { runOnSqlite } from '../db/sqlite-serializer';
import { REVOCATION_CHANNEL } from './token-state-cache';

/** Everything that one exchange writes, all or nothing. */
export interface ExchangeWrite {
  now: Date;
  /** Id of the pairing token to consume. */
  pairingTokenId: string;
  useCase: string;
  /** SHA-256 of the consumer's request id, or null when it sent none. */
  requestHash: string | null;
  masterToken: { id: string; subject: string; scope: string; expiresAt: Date };
  pairing: { id: string; peerServiceId: string; peerBaseUrl: string; peerName: string | null };
}

/** An earlier pairing with the same peer that the exchange revoked, with its master token. */
export interface ReplacedPairing {
  pairingId: string;
  masterTokenId: string;
}

/** The outcome of {@link ExchangeStore.consume}. */
export type ExchangeOutcome = { consumed: false } | { consumed: true; replaced: ReplacedPairing[] };

/**
 * Stores exchanges in plain SQL, because the exchange is the write that peers send in bursts.
 * One exchange is atomic: it marks the pairing token used if the token is still an active,
 * unexpired pairing token of the use case. Only then does it revoke the same peer's active
 * pairings of the use case with their master tokens, and insert the new master token and pairing.
 *
 * SQLite runs these steps as one synchronous better-sqlite3 transaction. PostgreSQL runs them as
 * one statement of data-modifying common table expressions: one round trip and one implicit
 * transaction. Its `pg_notify` calls reach the other replicas when it commits.
 */
export class ExchangeStore {
  private sqliteStatements?: ReturnType<typeof prepareSqlite>;

  constructor(private readonly dataSource: DataSource) {}

  /** Writes `write` when its pairing token can be consumed, and nothing otherwise. */
  consume(write: ExchangeWrite): Promise<ExchangeOutcome> {
    return this.dataSource.options.type === 'postgres'
      ? this.consumeOnPostgres(write)
      : runOnSqlite(this.dataSource, (db) => this.consumeOnSqlite(db, write));
  }

  private consumeOnSqlite(db: Database, write: ExchangeWrite): ExchangeOutcome {
    const statements = (this.sqliteStatements ??= prepareSqlite(db));
    return statements.exchange(write);
  }

  private async consumeOnPostgres(write: ExchangeWrite): Promise<ExchangeOutcome> {
    const { now, masterToken, pairing } = write;
    const rows: Array<{ row: 'consumed' | 'replaced'; pairingId: string; masterTokenId: string }> =
      await this.dataSource.query(POSTGRES_EXCHANGE, [
        now,
        pairing.id,
        write.requestHash,
        write.pairingTokenId,
        write.useCase,
        pairing.peerBaseUrl,
        pairing.peerServiceId,
        masterToken.id,
        masterToken.subject,
        masterToken.scope,
        masterToken.expiresAt,
        pairing.peerName,
        REVOCATION_CHANNEL,
      ]);
    if (!rows.some((row) => row.row === 'consumed')) return { consumed: false };
    return {
      consumed: true,
      replaced: rows
        .filter((row) => row.row === 'replaced')
        .map(({ pairingId, masterTokenId }) => ({ pairingId, masterTokenId })),
    };
  }
}

// Parameters: $1 now, $2 pairing id, $3 request hash, $4 pairing token id, $5 use case,
// $6 peer base URL, $7 peer service id, $8 master token id, $9 subject, $10 scope,
// $11 master token expiry, $12 peer name, $13 notification channel. Every step after the first
// selects from `consumed`, so nothing is written when the token was not consumed.
const POSTGRES_EXCHANGE = `
WITH consumed AS (
  UPDATE "tokens"
  SET "status" = 'used', "used_at" = $1, "pairing_id" = $2, "exchange_request_hash" = $3
  WHERE "id" = $4 AND "kind" = 'pairing' AND "use_case" = $5 AND "status" = 'active'
    AND "expires_at" > $1
  RETURNING "id"
), replaced AS (
  UPDATE "pairings"
  SET "status" = 'revoked', "revoked_at" = $1
  WHERE "use_case" = $5 AND "peer_base_url" = $6 AND "peer_service_id" = $7
    AND "status" = 'active' AND EXISTS (SELECT 1 FROM consumed)
  RETURNING "id", "master_token_id"
), revoked AS (
  UPDATE "tokens"
  SET "status" = 'revoked', "revoked_at" = $1
  WHERE "id" IN (SELECT "master_token_id" FROM replaced) AND "status" = 'active'
), master AS (
  INSERT INTO "tokens" ("id", "kind", "subject", "scope", "use_case", "status", "expires_at",
    "created_at", "pairing_id")
  SELECT $8::varchar, 'master', $9::varchar, $10::varchar, $5::varchar, 'active',
    $11::timestamptz, $1::timestamptz, $2::varchar
  FROM consumed
), pairing AS (
  INSERT INTO "pairings" ("id", "use_case", "peer_service_id", "peer_base_url", "peer_name",
    "pairing_token_id", "master_token_id", "status", "created_at")
  SELECT $2::varchar, $5::varchar, $7::varchar, $6::varchar, $12::varchar, $4::varchar,
    $8::varchar, 'active', $1::timestamptz
  FROM consumed
)
SELECT 'consumed' AS "row", NULL::varchar AS "pairingId", NULL::varchar AS "masterTokenId",
  NULL::text AS "notified"
FROM consumed
UNION ALL
SELECT 'replaced', "id", "master_token_id", pg_notify($13, "master_token_id")::text
FROM replaced`;

/** SQLite stores a point in time as UTC text, `YYYY-MM-DD HH:MM:SS.mmm`, as TypeORM writes it. */
const sqliteTime = (date: Date) => date.toISOString().slice(0, 23).replace('T', ' ');

function prepareSqlite(db: Database) {
  const consume: Statement = db.prepare(`
    UPDATE "tokens"
    SET "status" = 'used', "used_at" = @now, "pairing_id" = @pairingId,
      "exchange_request_hash" = @requestHash
    WHERE "id" = @pairingTokenId AND "kind" = 'pairing' AND "use_case" = @useCase
      AND "status" = 'active' AND "expires_at" > @now`);
  const replace: Statement = db.prepare(`
    UPDATE "pairings" SET "status" = 'revoked', "revoked_at" = @now
    WHERE "use_case" = @useCase AND "peer_base_url" = @peerBaseUrl
      AND "peer_service_id" = @peerServiceId AND "status" = 'active'
    RETURNING "id" AS "pairingId", "master_token_id" AS "masterTokenId"`);
  const revoke: Statement = db.prepare(`
    UPDATE "tokens" SET "status" = 'revoked', "revoked_at" = @now
    WHERE "id" = @masterTokenId AND "status" = 'active'`);
  const insertMasterToken: Statement = db.prepare(`
    INSERT INTO "tokens" ("id", "kind", "subject", "scope", "use_case", "status", "expires_at",
      "created_at", "pairing_id")
    VALUES (@masterTokenId, 'master', @subject, @scope, @useCase, 'active', @expiresAt, @now,
      @pairingId)`);
  const insertPairing: Statement = db.prepare(`
    INSERT INTO "pairings" ("id", "use_case", "peer_service_id", "peer_base_url", "peer_name",
      "pairing_token_id", "master_token_id", "status", "created_at")
    VALUES (@pairingId, @useCase, @peerServiceId, @peerBaseUrl, @peerName, @pairingTokenId,
      @masterTokenId, 'active', @now)`);

  const exchange = db.transaction((write: ExchangeWrite): ExchangeOutcome => {
    const values = {
      now: sqliteTime(write.now),
      pairingTokenId: write.pairingTokenId,
      useCase: write.useCase,
      requestHash: write.requestHash,
      pairingId: write.pairing.id,
      peerServiceId: write.pairing.peerServiceId,
      peerBaseUrl: write.pairing.peerBaseUrl,
      peerName: write.pairing.peerName,
      masterTokenId: write.masterToken.id,
      subject: write.masterToken.subject,
      scope: write.masterToken.scope,
      expiresAt: sqliteTime(write.masterToken.expiresAt),
    };
    if (consume.run(values).changes !== 1) return { consumed: false };

    const replaced = replace.all(values) as ReplacedPairing[];
    for (const earlier of replaced) {
      revoke.run({ now: values.now, masterTokenId: earlier.masterTokenId });
    }
    insertMasterToken.run(values);
    insertPairing.run(values);
    return { consumed: true, replaced };
  });
  return { exchange };
}
