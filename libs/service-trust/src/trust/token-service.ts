import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

import {
  ACCESS_TOKEN_TYPE,
  accessTokenClaimsSchema,
  encodePairingExtension,
  InvalidTokenError,
  isProtocolError,
  MASTER_TOKEN_SCOPES,
  PAIRING_TOKEN_TYPE,
  PairingTokenConsumedError,
  pairingScope,
  pairingTokenClaimsSchema,
  parsePairingExtension,
  signToken,
  type AccessTokenClaims,
  type ExchangeRequest,
  type ExchangeResponse,
  type PairingTokenClaims,
  type PairingTokenResponse,
  type TokenType,
  type UseCase,
} from '@service-trust/pairing-protocol';
import type { DataSource, EntityManager } from 'typeorm';
import type { z } from 'zod';

import { Entities } from '../entities/schemas';
import type { AuditEventRecord, PairingRecord, TokenKind, TokenRecord } from '../entities/records';
import type { Logger } from '../logger';
import { ExchangeStore } from './exchange-store';
import type { KeyStore } from './key-store';
import type { TokenStateCache } from './token-state-cache';
import { VerifiedTokenCache } from './verified-token-cache';

/** Source of the current time; tests inject one to check expiry. */
export type Clock = () => Date;

/** An access token that was verified and is active in the database. */
export interface AuthenticatedToken {
  claims: AccessTokenClaims;
  record: TokenRecord;
}

/** Receives the token events that the service's metrics count. */
export interface TokenMetrics {
  pairingTokenIssued(useCase: UseCase): void;
  tokenRevoked(kind: TokenKind): void;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * Issues, verifies, consumes and revokes this service's tokens. Token state lives in the
 * database, so every replica on the same database agrees on it.
 */
export class TokenService {
  /** Master and admin tokens verified recently; peers send the same master token on every call. */
  private readonly verifiedAccessTokens = new VerifiedTokenCache<AccessTokenClaims>();
  private readonly exchanges: ExchangeStore;

  constructor(
    private readonly options: {
      dataSource: DataSource;
      keys: KeyStore;
      states: TokenStateCache;
      serviceId: string;
      baseUrl: string;
      apiPrefix: string;
      masterTokenTtlSeconds: number;
      logger: Logger;
      clock?: Clock;
      /** Counts issued pairing tokens and revocations, for the service's metrics. */
      metrics?: TokenMetrics;
    },
  ) {
    this.exchanges = new ExchangeStore(options.dataSource);
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }

  private get tokens() {
    return this.options.dataSource.getRepository<TokenRecord>(Entities.token);
  }

  private get pairings() {
    return this.options.dataSource.getRepository<PairingRecord>(Entities.pairing);
  }

  /** Issues a pairing token for `useCase`, with a pairing URL when `twoWay` is set. */
  async issuePairingToken(request: {
    useCase: UseCase;
    username: string;
    expiresIn: number;
    twoWay?: boolean;
  }): Promise<PairingTokenResponse> {
    const { serviceId, baseUrl, apiPrefix } = this.options;
    const now = this.now();
    const id = randomUUID();
    const exp = seconds(now) + request.expiresIn;
    const subject = `${serviceId}/users/${request.username}`;
    const scope = pairingScope(request.useCase);

    const ext = encodePairingExtension({
      base_url: baseUrl,
      exchange_url: `${baseUrl}${apiPrefix}/service_trust/exchange`,
      pairing_url: request.twoWay
        ? `${baseUrl}${apiPrefix}/service_trust/pairing/${request.useCase}`
        : undefined,
    });
    const token = await signToken({
      key: this.options.keys.signingKey,
      typ: PAIRING_TOKEN_TYPE,
      claims: { iss: serviceId, aud: serviceId, sub: subject, scp: scope, jti: id, exp, ext },
      now,
    });

    await this.insertToken({
      id,
      kind: 'pairing',
      subject,
      scope,
      useCase: request.useCase,
      expiresAt: new Date(exp * 1000),
      createdAt: now,
    });
    this.options.logger.info(
      { tokenId: id, useCase: request.useCase, expiresIn: request.expiresIn },
      'pairing_token.issued',
    );
    this.options.metrics?.pairingTokenIssued(request.useCase);
    return { pairing_token: token, token_id: id, expires_in: request.expiresIn };
  }

  /** Issues an access token for a local user. */
  async issueAccessToken(request: {
    username: string;
    scope: string;
    expiresIn: number;
  }): Promise<ExchangeResponse> {
    const now = this.now();
    const id = randomUUID();
    const subject = `${this.options.serviceId}/users/${request.username}`;
    const exp = seconds(now) + request.expiresIn;
    const token = await this.signAccessToken({ id, subject, scope: request.scope, exp, now });

    await this.insertToken({
      id,
      kind: 'access',
      subject,
      scope: request.scope,
      useCase: null,
      expiresAt: new Date(exp * 1000),
      createdAt: now,
    });
    this.options.logger.info({ tokenId: id, subject }, 'access_token.issued');
    return {
      access_token: token,
      token_id: id,
      expires_in: request.expiresIn,
      scope: request.scope,
      token_type: 'Bearer',
    };
  }

  /**
   * Verifies a token of kind `typ` with this service's keys. An unknown `kid` triggers one key
   * reload, so keys added by another replica are found.
   */
  async verify<Schema extends z.ZodType<Record<string, unknown>>>(
    token: unknown,
    typ: TokenType,
    schema: Schema,
  ): Promise<z.infer<Schema>> {
    const expected = { typ, schema, now: this.now() };
    try {
      return (await this.options.keys.verifier.verify(token, expected)).claims;
    } catch (error) {
      if (!isProtocolError(error, 'ERR_TOKEN_SIGNATURE_INVALID')) throw error;
      if (!(await this.options.keys.reloadIfStale())) throw error;
      return (await this.options.keys.verifier.verify(token, expected)).claims;
    }
  }

  /**
   * Verifies an access token and checks that it is active in the database.
   *
   * @throws {InvalidTokenError} when the token is invalid, unknown, revoked or expired.
   */
  async authenticate(token: string): Promise<AuthenticatedToken> {
    const nowMs = this.now().getTime();
    let claims = this.verifiedAccessTokens.get(token, nowMs);
    if (!claims) {
      claims = await this.verify(token, ACCESS_TOKEN_TYPE, accessTokenClaimsSchema);
      this.verifiedAccessTokens.set(token, claims, nowMs);
    }
    const record = await this.options.states.get(claims.jti);

    if (!record || record.kind === 'pairing') {
      throw new InvalidTokenError(
        'ERR_TOKEN_CLAIM_INVALID',
        'The token is not known to this service.',
      );
    }
    if (record.status !== 'active') {
      throw new InvalidTokenError('ERR_TOKEN_REVOKED', 'The token was revoked.');
    }
    return { claims, record };
  }

  /**
   * Exchanges a pairing token for a master token. The token is consumed by one conditional
   * update, in the same transaction that records the pairing and the master token, so across any
   * number of concurrent requests and replicas at most one exchange succeeds. The master token is
   * signed before the transaction and returned only after it commits.
   *
   * A consumer that sent a `request_id` and lost the response may send the same token with the
   * same request id again while the token is valid. It gets a new master token for the same
   * pairing, and the earlier one is revoked: at most one master token per pairing is live.
   *
   * @throws {InvalidTokenError} when the token is invalid, unknown, revoked or expired.
   * @throws {PairingTokenConsumedError} when the token was already used; an audit event is stored.
   */
  async exchange(token: string, request: ExchangeRequest): Promise<ExchangeResponse> {
    const claims = await this.verify(token, PAIRING_TOKEN_TYPE, pairingTokenClaimsSchema);
    const useCase = useCaseOf(claims);
    // This service wrote `ext` itself, so a malformed one means a key or a token went wrong.
    parsePairingExtension(claims.ext);
    const now = this.now();
    const masterTokenId = randomUUID();
    const pairingId = randomUUID();
    const expiresIn = this.options.masterTokenTtlSeconds;
    const scope = MASTER_TOKEN_SCOPES[useCase];
    const subject = `${this.options.serviceId}/services/${request.service_id}`;
    const accessToken = await this.signAccessToken({
      id: masterTokenId,
      subject,
      scope,
      exp: seconds(now) + expiresIn,
      now,
    });

    const requestHash = request.request_id ? hashRequestId(request.request_id) : null;
    const response: ExchangeResponse = {
      access_token: accessToken,
      token_id: masterTokenId,
      expires_in: expiresIn,
      scope,
      token_type: 'Bearer',
    };

    const outcome = await this.exchanges.consume({
      now,
      pairingTokenId: claims.jti,
      // The stored use case must match the signed one too, as a second line of defence.
      useCase,
      requestHash,
      masterToken: {
        id: masterTokenId,
        subject,
        scope,
        expiresAt: new Date((seconds(now) + expiresIn) * 1000),
      },
      // Only the same peer's earlier pairing is replaced: a holder of another pairing token who
      // claims the same base URL must not end that peer's trust.
      pairing: {
        id: pairingId,
        peerServiceId: request.service_id,
        peerBaseUrl: request.base_url,
        peerName: request.name ?? null,
      },
    });
    if (!outcome.consumed) {
      const record = await this.tokens.findOneBy({ id: claims.jti });
      if (
        record?.kind === 'pairing' &&
        record.useCase === useCase &&
        record.status === 'used' &&
        record.expiresAt > now &&
        sameHash(record.exchangeRequestHash, requestHash) &&
        (await this.retryExchange(record, request, masterTokenId, now))
      ) {
        return response;
      }
      throw await this.explainNotConsumed(record, useCase, now);
    }

    const replaced = outcome.replaced.map((pairing) => pairing.masterTokenId);
    for (const pairing of outcome.replaced) {
      this.options.logger.info(pairing, 'master_token.revoked');
      this.options.metrics?.tokenRevoked('master');
    }
    this.options.states.forget(replaced);
    this.options.logger.info(
      { tokenId: claims.jti, pairingId, masterTokenId, peer: request.service_id },
      'pairing_token.consumed',
    );
    return response;
  }

  /**
   * Gives the pairing that `record` produced a new master token, `masterTokenId`, and revokes
   * the one it had. The pairing must still be active and belong to the same peer. One
   * conditional update moves the pairing from its old master token to the new one, so of two
   * concurrent retries only one succeeds. Returns false when nothing was changed.
   */
  private async retryExchange(
    record: TokenRecord,
    request: ExchangeRequest,
    masterTokenId: string,
    now: Date,
  ): Promise<boolean> {
    const expiresIn = this.options.masterTokenTtlSeconds;
    const revoked = await this.options.dataSource.transaction(async (manager) => {
      const pairing = await manager
        .getRepository<PairingRecord>(Entities.pairing)
        .findOneBy({ id: record.pairingId ?? '', status: 'active' });
      if (
        !pairing ||
        pairing.peerServiceId !== request.service_id ||
        pairing.peerBaseUrl !== request.base_url
      ) {
        return null;
      }

      const moved = await manager
        .createQueryBuilder()
        .update(Entities.pairing)
        .set({ masterTokenId })
        .where('id = :id AND master_token_id = :old AND status = :status', {
          id: pairing.id,
          old: pairing.masterTokenId,
          status: 'active',
        })
        .execute();
      if (moved.affected !== 1) return null;

      const tokens = manager.getRepository<TokenRecord>(Entities.token);
      await tokens.update(
        { id: pairing.masterTokenId, status: 'active' },
        { status: 'revoked', revokedAt: now },
      );
      await tokens.insert(
        tokenRecord({
          id: masterTokenId,
          kind: 'master',
          subject: `${this.options.serviceId}/services/${request.service_id}`,
          scope: MASTER_TOKEN_SCOPES[pairing.useCase as UseCase],
          useCase: pairing.useCase,
          expiresAt: new Date((seconds(now) + expiresIn) * 1000),
          createdAt: now,
          pairingId: pairing.id,
        }),
      );
      await manager.getRepository<AuditEventRecord>(Entities.auditEvent).insert({
        id: randomUUID(),
        type: 'pairing_token.exchange_retried',
        tokenId: record.id,
        pairingId: pairing.id,
        detail: `The consumer retried with its request id; master token ${pairing.masterTokenId} was revoked and replaced by ${masterTokenId}.`,
        createdAt: now,
      });
      await this.options.states.announceRevoked(manager, [pairing.masterTokenId]);
      return pairing.masterTokenId;
    });
    if (!revoked) return false;

    this.options.states.forget([revoked]);
    this.options.logger.info(
      {
        tokenId: record.id,
        pairingId: record.pairingId,
        masterTokenId,
        revokedMasterTokenId: revoked,
      },
      'pairing_token.exchange_retried',
    );
    return true;
  }

  /** Returns the active pairing that a master token belongs to, or null. */
  async activePairingOf(token: TokenRecord): Promise<PairingRecord | null> {
    if (token.kind !== 'master' || !token.pairingId) return null;
    return this.pairings.findOneBy({ id: token.pairingId, status: 'active' });
  }

  /** Lists pairings, newest first. */
  listPairings(): Promise<PairingRecord[]> {
    return this.pairings.find({ order: { createdAt: 'DESC' } });
  }

  /**
   * Revokes the active pairing of `useCase` with the peer at `baseUrl`, and its master token.
   * Returns false when there is none.
   */
  async revokePairing(useCase: string, baseUrl: string): Promise<boolean> {
    const now = this.now();
    const revoked = await this.options.dataSource.transaction((manager) =>
      this.revokeActivePairings(manager, { useCase, peerBaseUrl: baseUrl }, now),
    );
    this.options.states.forget(revoked);
    return revoked.length > 0;
  }

  /** Returns the stored state of a token, or undefined. */
  findToken(id: string): Promise<TokenRecord | null> {
    return this.tokens.findOneBy({ id });
  }

  /** Revokes a token, and the pairing it belongs to when it is a master token. */
  async revokeToken(id: string): Promise<boolean> {
    const now = this.now();
    const found = await this.options.dataSource.transaction(async (manager) => {
      const record = await manager.getRepository<TokenRecord>(Entities.token).findOneBy({ id });
      if (!record) return false;

      if (record.kind === 'master' && record.pairingId) {
        await manager
          .getRepository<PairingRecord>(Entities.pairing)
          .update(
            { id: record.pairingId, status: 'active' },
            { status: 'revoked', revokedAt: now },
          );
      }
      await manager
        .getRepository<TokenRecord>(Entities.token)
        .update({ id, status: 'active' }, { status: 'revoked', revokedAt: now });
      await this.options.states.announceRevoked(manager, [id]);
      this.options.logger.info({ tokenId: id, kind: record.kind }, `${record.kind}_token.revoked`);
      if (record.status === 'active') this.options.metrics?.tokenRevoked(record.kind);
      return true;
    });
    this.options.states.forget([id]);
    return found;
  }

  /** Lists audit events about a token, oldest first. */
  auditEventsOf(tokenId: string): Promise<AuditEventRecord[]> {
    return this.options.dataSource
      .getRepository<AuditEventRecord>(Entities.auditEvent)
      .find({ where: { tokenId }, order: { createdAt: 'ASC' } });
  }

  /**
   * Counts the replays of each pairing's pairing token, with the time of the latest, so that an
   * administrator can tell which trust may rest on an intercepted token.
   */
  async replaysByPairing(): Promise<Map<string, { count: number; lastAt: Date }>> {
    const rows: { pairingId: string; count: string | number; lastAt: Date | string }[] =
      await this.options.dataSource
        .getRepository<AuditEventRecord>(Entities.auditEvent)
        .createQueryBuilder('event')
        .select('event.pairing_id', 'pairingId')
        .addSelect('COUNT(*)', 'count')
        .addSelect('MAX(event.created_at)', 'lastAt')
        .where('event.type = :type AND event.pairing_id IS NOT NULL', {
          type: 'pairing_token.replayed',
        })
        .groupBy('event.pairing_id')
        .getRawMany();
    return new Map(
      rows.map((row) => [row.pairingId, { count: Number(row.count), lastAt: toDate(row.lastAt) }]),
    );
  }

  /** Revokes the active pairings with a peer and their master tokens; returns the token ids. */
  private async revokeActivePairings(
    manager: EntityManager,
    peer: { useCase: string; peerBaseUrl: string; peerServiceId?: string },
    now: Date,
  ): Promise<string[]> {
    const pairings = manager.getRepository<PairingRecord>(Entities.pairing);
    const active = await pairings.findBy({ ...peer, status: 'active' });

    for (const pairing of active) {
      await pairings.update({ id: pairing.id }, { status: 'revoked', revokedAt: now });
      await manager
        .getRepository<TokenRecord>(Entities.token)
        .update(
          { id: pairing.masterTokenId, status: 'active' },
          { status: 'revoked', revokedAt: now },
        );
      this.options.logger.info(
        { pairingId: pairing.id, masterTokenId: pairing.masterTokenId },
        'master_token.revoked',
      );
      this.options.metrics?.tokenRevoked('master');
    }
    const revoked = active.map((pairing) => pairing.masterTokenId);
    await this.options.states.announceRevoked(manager, revoked);
    return revoked;
  }

  /** Finds out why a pairing token could not be consumed, recording a replay when it was used. */
  private async explainNotConsumed(
    record: TokenRecord | null,
    useCase: string,
    now: Date,
  ): Promise<Error> {
    if (!record || record.kind !== 'pairing' || record.useCase !== useCase) {
      return new InvalidTokenError(
        'ERR_TOKEN_CLAIM_INVALID',
        'The token is not known to this service.',
      );
    }
    if (record.status === 'used') {
      await this.options.dataSource.getRepository<AuditEventRecord>(Entities.auditEvent).insert({
        id: randomUUID(),
        type: 'pairing_token.replayed',
        tokenId: record.id,
        pairingId: record.pairingId,
        detail: 'A used pairing token was presented again; it may have been intercepted.',
        createdAt: now,
      });
      this.options.logger.warn(
        { tokenId: record.id, pairingId: record.pairingId },
        'pairing_token.replayed',
      );
      return new PairingTokenConsumedError(`pairing ${record.pairingId}`);
    }
    if (record.status === 'revoked') {
      return new InvalidTokenError('ERR_TOKEN_REVOKED', 'The token was revoked.');
    }
    return new InvalidTokenError('ERR_TOKEN_EXPIRED', 'The token expired.');
  }

  private signAccessToken(token: {
    id: string;
    subject: string;
    scope: string;
    exp: number;
    now: Date;
  }): Promise<string> {
    const { serviceId } = this.options;
    return signToken({
      key: this.options.keys.signingKey,
      typ: ACCESS_TOKEN_TYPE,
      claims: {
        iss: serviceId,
        aud: serviceId,
        sub: token.subject,
        scp: token.scope,
        jti: token.id,
        exp: token.exp,
      },
      now: token.now,
    });
  }

  private async insertToken(token: Parameters<typeof tokenRecord>[0]): Promise<void> {
    await this.tokens.insert(tokenRecord(token));
  }
}

function tokenRecord(token: {
  id: string;
  kind: TokenKind;
  subject: string;
  scope: string;
  useCase: string | null;
  expiresAt: Date;
  createdAt: Date;
  pairingId?: string;
}): TokenRecord {
  return {
    ...token,
    status: 'active',
    usedAt: null,
    revokedAt: null,
    pairingId: token.pairingId ?? null,
    exchangeRequestHash: null,
  };
}

/** Reads a timestamp from a raw query: a Date on PostgreSQL, a UTC text on SQLite. */
function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** Hashes a consumer's request id for storage; the id itself is never stored. */
function hashRequestId(requestId: string): string {
  return createHash('sha256').update(requestId).digest('hex');
}

/** Compares two stored request hashes in constant time; a missing hash matches nothing. */
function sameHash(stored: string | null, presented: string | null): boolean {
  if (!stored || !presented || stored.length !== presented.length) return false;
  return timingSafeEqual(Buffer.from(stored), Buffer.from(presented));
}

/** Reads the use case from a pairing token's scope. */
function useCaseOf(claims: PairingTokenClaims): UseCase {
  const match = /^internal:service-trust\/pairing\/([a-z-]+):x$/.exec(claims.scp);
  const useCase = match?.[1];
  if (useCase !== 'mission-control' && useCase !== 'jpd') {
    throw new InvalidTokenError(
      'ERR_TOKEN_CLAIM_INVALID',
      'The token scope is not a pairing scope.',
    );
  }
  return useCase;
}
