import { normalizeBaseUrl, UrlRejectedError } from '@service-trust/pairing-protocol';
import {
  badRequest,
  conflict,
  forbidden,
  notFound,
  redactTokens,
  Entities,
  type Logger,
  type PairingClient,
  type PairingRecord,
  type TokenRecord,
  type TokenService,
  type PeerClient,
  type SecretBox,
} from '@service-trust/server';
import type { DataSource, Repository } from 'typeorm';

import type { JpdMetrics } from './jpd-metrics';
import { checkJpdStatus, masterTokenContext, sendTwoWayCallback } from './jpd-calls';
import {
  JPD_ENTITY,
  jpdId,
  seqOf,
  type JpdLocation,
  type JpdRecord,
  type JpdStatusCode,
} from './jpd-record';
import { jpdView, type JpdView } from './jpd-view';

export type { JpdView } from './jpd-view';

/** `masterTokenId` of a row whose pairing is still running. */
const PAIRING_IN_PROGRESS = '';

/** Age after which a row whose pairing never completed is deleted; far above any peer timeout. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

/** Lifetime of the pairing token sent to a JPD's pairing URL, which exchanges it at once. */
const TWO_WAY_TOKEN_TTL_SECONDS = 60;

/** Filters of the JPD list; each is optional. */
export interface JpdFilter {
  name?: string;
  url?: string;
  tag?: string;
  status?: JpdStatusCode;
}

/** Fields of a new JPD. */
export interface NewJpd {
  name: string;
  url: string;
  token: string;
  location?: JpdLocation;
  tags?: string[];
}

/**
 * The JPDs that Mission Control trusts: pairing, storage of the encrypted master tokens, and
 * status probes.
 */
export class JpdRegistry {
  constructor(
    private readonly options: {
      dataSource: DataSource;
      pairing: PairingClient;
      peers: PeerClient;
      tokens: TokenService;
      secretBox: SecretBox;
      logger: Logger;
      /** Calls back JPDs whose pairing token has a pairing URL. */
      twoWayTrust: boolean;
      metrics?: JpdMetrics;
    },
  ) {}

  private get jpds(): Repository<JpdRecord> {
    return this.options.dataSource.getRepository<JpdRecord>(JPD_ENTITY);
  }

  /**
   * Pairs with a JPD, stores it, probes it and returns it.
   *
   * @throws {HttpError} 400 for an unusable token or URL or an unreachable JPD, 409 for a taken
   *   name or URL or a used token.
   */
  async add(request: NewJpd, username: string): Promise<JpdView> {
    const url = normalizeUrl(request.url);
    await this.assertAvailable({ name: request.name, url });

    // The row is stored before the exchange, so its unique name and URL stop a concurrent add of
    // the same JPD before that add exchanges a token. A second exchange would revoke this one's
    // master token, because a JPD revokes the earlier master token of the same peer.
    const now = new Date();
    const fields: Omit<JpdRecord, 'seq'> = {
      name: request.name,
      url,
      serviceId: '',
      location: JSON.stringify(request.location ?? {}),
      tags: JSON.stringify(request.tags ?? []),
      encryptedMasterToken: '',
      masterTokenId: PAIRING_IN_PROGRESS,
      statusCode: 'OFFLINE',
      statusMessage: 'Pairing in progress.',
      statusCheckedAt: null,
      pairingUrl: null,
      twoWayStatus: 'NONE',
      twoWayMessage: null,
      lastHeartbeatAt: null,
      createdAt: now,
      updatedAt: now,
    };
    let record: JpdRecord;
    try {
      // One INSERT, where save() would also open a transaction and select the row.
      const inserted = await this.jpds.insert(fields);
      record = { ...fields, seq: Number((inserted.identifiers[0] as { seq: number }).seq) };
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict('A JPD with this name or URL is being added at the same time.');
      throw error;
    }

    try {
      const { peerServiceId, masterToken, extension } = await this.options.pairing.pair(
        url,
        request.token,
      );
      const paired = {
        serviceId: peerServiceId,
        pairingUrl: extension.pairing_url ?? null,
        encryptedMasterToken: this.options.secretBox.seal(
          masterToken.access_token,
          masterTokenContext(url),
        ),
        masterTokenId: masterToken.token_id,
        statusMessage: 'Not probed yet.',
      };
      await this.jpds.update({ seq: record.seq }, paired);
      record = { ...record, ...paired };
    } catch (error) {
      await this.jpds.delete({ seq: record.seq });
      throw error;
    }

    this.options.logger.info(
      { jpd: jpdId(record), serviceId: record.serviceId, masterTokenId: record.masterTokenId },
      'jpd.added',
    );
    record = await this.probeRecord(record);
    if (record.pairingUrl && this.options.twoWayTrust) {
      record = await this.establishTwoWay(record, username);
    }
    return this.present(record);
  }

  /**
   * Updates a JPD. A new token re-pairs it, possibly at a new URL; without a token the URL cannot
   * change, because trust is bound to it.
   */
  async update(id: string, changes: Partial<NewJpd>, username: string): Promise<void> {
    const record = await this.find(id);
    const url = changes.url === undefined ? record.url : normalizeUrl(changes.url);
    if (url !== record.url && changes.token === undefined) {
      throw badRequest('Changing the URL requires a new pairing token from the JPD at that URL.');
    }
    await this.assertAvailable({ name: changes.name, url }, record.seq);

    // The new name and URL are claimed before the exchange, so a concurrent add or update of the
    // same JPD fails on the unique columns before it exchanges a token of its own.
    const previous = { name: record.name, url: record.url };
    const claimed = { name: changes.name ?? record.name, url };
    if (claimed.name !== previous.name || claimed.url !== previous.url) {
      await this.saveUnique(() => this.jpds.update({ seq: record.seq }, claimed));
    }

    if (changes.token !== undefined) {
      // NOTE: two concurrent re-pairs of the same JPD to the same URL both exchange a token. The
      // JPD keeps only the later master token, so the one stored here may be the revoked one.
      let result;
      try {
        result = await this.options.pairing.pair(url, changes.token);
      } catch (error) {
        await this.jpds.update({ seq: record.seq }, previous);
        throw error;
      }
      record.serviceId = result.peerServiceId;
      record.pairingUrl = result.extension.pairing_url ?? null;
      record.twoWayStatus = 'NONE';
      record.twoWayMessage = null;
      record.encryptedMasterToken = this.options.secretBox.seal(
        result.masterToken.access_token,
        masterTokenContext(url),
      );
      record.masterTokenId = result.masterToken.token_id;
    }
    record.name = claimed.name;
    record.url = url;
    if (changes.location !== undefined) record.location = JSON.stringify(changes.location);
    if (changes.tags !== undefined) record.tags = JSON.stringify(changes.tags);
    record.updatedAt = new Date();

    await this.saveUnique(() => this.jpds.save(record));
    if (changes.token === undefined) return;

    const probed = await this.probeRecord(record);
    if (probed.pairingUrl && this.options.twoWayTrust) await this.establishTwoWay(probed, username);
  }

  /** Runs a write, turning a unique-constraint violation into 409. */
  private async saveUnique(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict('Another JPD took this name or URL at the same time.');
      }
      throw error;
    }
  }

  /**
   * Sends the JPD a new Mission Control pairing token at its pairing URL, for a JPD that asked for
   * two-way trust and whose earlier callback failed.
   */
  async retryTwoWay(id: string, username: string): Promise<JpdView> {
    const record = await this.find(id);
    if (!record.pairingUrl) {
      throw badRequest(
        'The JPD did not ask for two-way trust: its pairing token had no pairing URL. Re-pair it with a two-way token.',
      );
    }
    return this.present(await this.establishTwoWay(record, username));
  }

  /**
   * Records a heartbeat from the JPD that presented `masterToken`, a token that Mission Control issued
   * in the reverse direction of two-way trust.
   *
   * @throws {HttpError} 403 when the token belongs to no active pairing, 404 when that pairing's
   *   JPD is not registered here.
   */
  async recordHeartbeat(masterToken: TokenRecord): Promise<void> {
    const pairing = await this.options.tokens.activePairingOf(masterToken);
    if (!pairing) {
      throw forbidden('The caller has no active pairing with Mission Control.');
    }

    const record = await this.jpds.findOneBy({ url: pairing.peerBaseUrl });
    if (!record) throw notFound(`No JPD with URL ${pairing.peerBaseUrl} is registered.`);
    await this.jpds.update({ seq: record.seq }, { lastHeartbeatAt: new Date() });
  }

  /** Deletes a JPD and its master token. */
  async remove(id: string): Promise<void> {
    const record = await this.find(id);
    await this.jpds.delete({ seq: record.seq });
    this.options.logger.info({ jpd: id }, 'jpd.deleted');
  }

  async get(id: string): Promise<JpdView> {
    return this.present(await this.find(id));
  }

  async list(filter: JpdFilter = {}): Promise<JpdView[]> {
    const records = await this.paired();
    const reverse = await this.reversePairingUrls();
    return records
      .map((record) => jpdView(record, reverse))
      .filter(
        (jpd) =>
          (filter.name === undefined || jpd.name === filter.name) &&
          (filter.url === undefined || jpd.url === safeNormalize(filter.url)) &&
          (filter.tag === undefined || jpd.tags.includes(filter.tag)) &&
          (filter.status === undefined || jpd.status.code === filter.status),
      );
  }

  /** Probes one JPD now and returns it with its new status. */
  async probe(id: string): Promise<JpdView> {
    return this.present(await this.probeRecord(await this.find(id)));
  }

  /** Calls the JPD's pairing URL with a new Mission Control pairing token. */
  private async establishTwoWay(record: JpdRecord, username: string): Promise<JpdRecord> {
    const issued = await this.options.tokens.issuePairingToken({
      useCase: 'jpd',
      username,
      expiresIn: TWO_WAY_TOKEN_TTL_SECONDS,
    });

    const { status, message } = await sendTwoWayCallback({
      peers: this.options.peers,
      masterToken: this.masterToken(record),
      pairingUrl: record.pairingUrl!,
      pairingToken: issued.pairing_token,
    });

    this.options.metrics?.twoWayCallbacks.inc({ result: status });
    if (status === 'FAILED') {
      // The JPD did not take the token; revoking it leaves nothing usable behind. A token that
      // the JPD did exchange before its response was lost is already used and stays so.
      await this.options.tokens.revokeToken(issued.token_id);
      this.options.logger.warn({ jpd: jpdId(record), reason: message }, 'two-way trust failed');
    } else {
      this.options.logger.info({ jpd: jpdId(record) }, 'jpd.two_way_established');
    }

    const twoWayMessage = message.slice(0, 500);
    await this.jpds.update({ seq: record.seq }, { twoWayStatus: status, twoWayMessage });
    return { ...record, twoWayStatus: status, twoWayMessage };
  }

  /** Returns a JPD as the API shows it. */
  private async present(record: JpdRecord): Promise<JpdView> {
    const reversePairing = await this.options.dataSource
      .getRepository<PairingRecord>(Entities.pairing)
      .existsBy({ useCase: 'jpd', peerBaseUrl: record.url, status: 'active' });
    return jpdView(record, new Set(reversePairing ? [record.url] : []));
  }

  /** Base URLs of the JPDs that hold an active master token issued by Mission Control. */
  private async reversePairingUrls(): Promise<Set<string>> {
    const pairings = await this.options.dataSource
      .getRepository<PairingRecord>(Entities.pairing)
      .findBy({ useCase: 'jpd', status: 'active' });
    return new Set(pairings.map((pairing) => pairing.peerBaseUrl));
  }

  private masterToken(record: JpdRecord): string {
    return this.options.secretBox.open(record.encryptedMasterToken, masterTokenContext(record.url));
  }

  /** Probes every JPD, a few at a time. */
  async probeAll(concurrency = 4): Promise<void> {
    await this.removeAbandonedPlaceholders();
    const records = await this.paired();
    const queue = [...records];
    const worker = async () => {
      for (let record = queue.shift(); record; record = queue.shift()) {
        await this.probeRecord(record).catch((error: unknown) => {
          this.options.metrics?.probes.inc({ result: 'error' });
          this.options.logger.error({ err: error, jpd: jpdId(record!) }, 'jpd probe failed');
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  private async probeRecord(record: JpdRecord): Promise<JpdRecord> {
    const { code, message } = await checkJpdStatus({
      peers: this.options.peers,
      secretBox: this.options.secretBox,
      record,
    });
    this.options.metrics?.probes.inc({ result: code });
    const checkedAt = new Date();
    if (code !== record.statusCode) {
      this.options.logger.info(
        { jpd: jpdId(record), from: record.statusCode, to: code },
        'jpd.status_changed',
      );
    }

    await this.jpds.update(
      { seq: record.seq },
      { statusCode: code, statusMessage: message.slice(0, 500), statusCheckedAt: checkedAt },
    );
    return {
      ...record,
      statusCode: code,
      statusMessage: message.slice(0, 500),
      statusCheckedAt: checkedAt,
    };
  }

  private async find(id: string): Promise<JpdRecord> {
    const seq = seqOf(id);
    const record = seq === undefined ? null : await this.jpds.findOneBy({ seq });
    if (!record || record.masterTokenId === PAIRING_IN_PROGRESS) {
      throw notFound(`JPD ${JSON.stringify(id)} was not found.`);
    }
    return record;
  }

  /** Returns the JPDs whose pairing completed, by id. */
  private async paired(): Promise<JpdRecord[]> {
    const records = await this.jpds.find({ order: { seq: 'ASC' } });
    return records.filter((record) => record.masterTokenId !== PAIRING_IN_PROGRESS);
  }

  /** Deletes rows of adds that stopped mid-pairing, such as when the process was killed. */
  private async removeAbandonedPlaceholders(): Promise<void> {
    const cutoff = new Date(Date.now() - ABANDONED_AFTER_MS);
    const abandoned = (await this.jpds.findBy({ masterTokenId: PAIRING_IN_PROGRESS })).filter(
      (record) => record.createdAt < cutoff,
    );
    for (const record of abandoned) {
      await this.jpds.delete({ seq: record.seq, masterTokenId: PAIRING_IN_PROGRESS });
      this.options.logger.warn(
        { jpd: jpdId(record), name: record.name },
        'removed a JPD whose pairing never completed',
      );
    }
  }

  private async assertAvailable(
    fields: { name?: string; url: string },
    exceptSeq?: number,
  ): Promise<void> {
    const where =
      fields.name === undefined
        ? [{ url: fields.url }]
        : [{ name: fields.name }, { url: fields.url }];
    const conflicting = (
      await this.jpds.find({ where, select: { seq: true, name: true, url: true } })
    ).filter((record) => record.seq !== exceptSeq);

    if (fields.name !== undefined && conflicting.some((record) => record.name === fields.name))
      throw conflict(`A JPD named ${JSON.stringify(fields.name)} already exists.`);
    const byUrl = conflicting.find((record) => record.url === fields.url);
    if (byUrl) throw conflict(`A JPD with URL ${fields.url} already exists (${jpdId(byUrl)}).`);
  }
}

function normalizeUrl(url: string): string {
  try {
    return normalizeBaseUrl(url, 'JPD URL');
  } catch (error) {
    if (error instanceof UrlRejectedError)
      throw badRequest(redactTokens(error.message), 'URL_REJECTED');
    throw error;
  }
}

function safeNormalize(url: string): string {
  try {
    return normalizeBaseUrl(url);
  } catch {
    return url;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ??
    (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
