import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

import { Entities } from '../entities/schemas';
import type { TokenRecord } from '../entities/records';
import type { Logger } from '../logger';

/** PostgreSQL channel on which every replica announces the ids of tokens it revoked. */
export const REVOCATION_CHANNEL = 'service_trust_token_revoked';

/** `application_name` of the listener's connection, so operators can find it in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'service-trust-revocations';

/** Most token states kept in memory; the oldest entry is dropped past this. */
const MAX_ENTRIES = 50_000;

/** Delay before reconnecting a lost PostgreSQL listener. */
const RECONNECT_DELAY_MS = 1_000;

/**
 * Interval of the listener's health check. A connection that stalls without closing delivers no
 * notification, so a check without a response within the interval drops the cache.
 */
const HEALTH_CHECK_INTERVAL_MS = 2_000;

/**
 * Keeps the state of active access tokens in memory, so that authenticating a request does not
 * query the database each time. On PostgreSQL every replica LISTENs for revocations that any
 * replica NOTIFYs inside its revoking transaction; while that listener is down, the cache is
 * bypassed. On SQLite, which one process uses, revocations are applied in process.
 */
export class TokenStateCache {
  private readonly entries = new Map<string, TokenRecord>();
  private listening: boolean;
  private generation = 0;
  private listener?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private closed = false;

  /** Number of lookups that went to the database, for tests and metrics. */
  databaseLookups = 0;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {
    this.listening = dataSource.options.type !== 'postgres';
  }

  /** Creates the cache and, on PostgreSQL, waits until its listener is connected. */
  static async create(options: {
    dataSource: DataSource;
    logger: Logger;
  }): Promise<TokenStateCache> {
    const cache = new TokenStateCache(options.dataSource, options.logger);
    if (options.dataSource.options.type === 'postgres') await cache.listen();
    return cache;
  }

  /** Returns the stored state of a token, from memory when it is known to be current. */
  async get(id: string): Promise<TokenRecord | null> {
    const cached = this.listening ? this.entries.get(id) : undefined;
    if (cached) return cached;

    const generation = this.generation;
    this.databaseLookups++;
    const record = await this.dataSource
      .getRepository<TokenRecord>(Entities.token)
      .findOneBy({ id });

    // A revocation that arrived while the query ran may be missing from its result, so the
    // result is kept only when no revocation arrived in between.
    if (record?.status === 'active' && this.listening && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(id, record);
    }
    return record;
  }

  /**
   * Announces revoked tokens to every replica. Call inside the revoking transaction: PostgreSQL
   * delivers the notification only when that transaction commits.
   */
  async announceRevoked(manager: EntityManager, ids: string[]): Promise<void> {
    if (this.dataSource.options.type !== 'postgres') return;
    for (const id of ids) await manager.query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, id]);
  }

  /** Drops tokens from memory after this process revoked them. */
  forget(ids: string[]): void {
    this.generation++;
    for (const id of ids) this.entries.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.healthTimer);
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const options = this.dataSource.options as { url?: string };
    const client = new Client({
      connectionString: options.url,
      application_name: LISTENER_APPLICATION_NAME,
    });
    client.on('notification', (message) => {
      if (message.channel === REVOCATION_CHANNEL && message.payload) this.forget([message.payload]);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));

    await client.connect();
    await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
    this.listener = client;
    this.listening = true;

    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => this.checkHealth(client), HEALTH_CHECK_INTERVAL_MS);
    this.healthTimer.unref();
  }

  private checkHealth(client: Client): void {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the listener connection did not respond')),
        HEALTH_CHECK_INTERVAL_MS / 2,
      );
    });
    Promise.race([client.query('SELECT 1'), timeout])
      .catch((error: Error) => this.lost(client, error))
      .finally(() => clearTimeout(timer));
  }

  private lost(client: Client, error?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    this.listening = false;
    clearInterval(this.healthTimer);
    this.generation++;
    this.entries.clear();
    if (this.closed) return;

    this.logger.warn(
      { err: error },
      'revocation listener lost; checking tokens in the database until it reconnects',
    );
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.listen().then(
        () => this.logger.info('revocation listener reconnected'),
        (error: unknown) => {
          this.logger.warn({ err: error }, 'revocation listener failed to reconnect');
          this.scheduleReconnect();
        },
      );
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
