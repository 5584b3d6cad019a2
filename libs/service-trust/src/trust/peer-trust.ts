import { randomUUID } from 'node:crypto';

import {
  decodePairingToken,
  InvalidTokenError,
  normalizeBaseUrl,
  UrlRejectedError,
} from '@service-trust/pairing-protocol';
import type { DataSource } from 'typeorm';

import type { SecretBox } from '../crypto/secret-box';
import { Entities } from '../entities/schemas';
import type { PairingRecord, PeerCredentialRecord, TokenRecord } from '../entities/records';
import { badRequest, forbidden } from '../http/http-error';
import { PeerRequestError, type PeerClient } from '../http/peer-client';
import type { Logger } from '../logger';
import type { PairingClient } from './pairing-client';
import type { Clock, TokenService } from './token-service';

/** Outcome of one heartbeat sent to a peer. */
export interface HeartbeatResult {
  peerBaseUrl: string;
  ok: boolean;
  status?: number;
  error?: string;
}

/**
 * The reverse direction of two-way trust: master tokens that peers issued to this service after
 * it accepted their pairing tokens, stored encrypted, and the heartbeats sent with them.
 */
export class PeerTrust {
  constructor(
    private readonly options: {
      dataSource: DataSource;
      secretBox: SecretBox;
      pairing: PairingClient;
      peers: PeerClient;
      tokens: TokenService;
      /** Path on a peer that receives heartbeats, e.g. `/mc/api/v1/heartbeat`. */
      heartbeatPath: string;
      self: { serviceId: string; baseUrl: string };
      /** Name of the peer in messages, e.g. `Mission Control`. */
      peerLabel: string;
      logger: Logger;
      clock: Clock;
    },
  ) {}

  private get credentials() {
    return this.options.dataSource.getRepository<PeerCredentialRecord>(Entities.peerCredential);
  }

  /**
   * Accepts a pairing token sent back by the peer of an active pairing, authenticated with the
   * master token that this service issued to that peer. The token's `base_url` must be the base
   * URL that the peer gave when it paired.
   *
   * @throws {HttpError} 403 when the master token belongs to no active pairing of `useCase`, 400
   *   when the peer's token is unusable, 409 when it was already used.
   */
  async acceptFromPeer(masterToken: TokenRecord, useCase: string, token: string) {
    const pairing = await this.options.tokens.activePairingOf(masterToken);
    if (!pairing || pairing.useCase !== useCase) {
      throw forbidden(`The caller has no active ${useCase} pairing with this service.`);
    }
    return this.accept({ token, peerBaseUrl: pairing.peerBaseUrl, pairingId: pairing.id });
  }

  /**
   * Accepts a peer's pairing token that an administrator pasted. The administrator vouches for the
   * token's `base_url`; the signature is still checked with keys fetched from that URL.
   */
  async acceptFromAdmin(useCase: string, token: string) {
    let baseUrl: string;
    try {
      baseUrl = normalizeBaseUrl(decodePairingToken(token).extension.base_url, "token's base_url");
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof UrlRejectedError) {
        throw badRequest(`The pairing token is unusable: ${error.message}`, 'INVALID_TOKEN');
      }
      throw error;
    }

    const pairing = await this.options.dataSource
      .getRepository<PairingRecord>(Entities.pairing)
      .findOneBy({ useCase, peerBaseUrl: baseUrl, status: 'active' });
    return this.accept({ token, peerBaseUrl: baseUrl, pairingId: pairing?.id ?? null });
  }

  private async accept(request: { token: string; peerBaseUrl: string; pairingId: string | null }) {
    const { peerServiceId, masterToken } = await this.options.pairing.pair(
      request.peerBaseUrl,
      request.token,
    );
    const now = this.options.clock();
    const record: PeerCredentialRecord = {
      id: randomUUID(),
      useCase: this.options.pairing.useCase,
      pairingId: request.pairingId,
      peerServiceId,
      peerBaseUrl: request.peerBaseUrl,
      encryptedToken: this.options.secretBox.seal(
        masterToken.access_token,
        credentialContext(request.peerBaseUrl),
      ),
      tokenId: masterToken.token_id,
      expiresAt: new Date(now.getTime() + masterToken.expires_in * 1000),
      status: 'active',
      lastHeartbeatAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };

    await this.options.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository<PeerCredentialRecord>(Entities.peerCredential);
      await repository.delete({ useCase: record.useCase, peerBaseUrl: record.peerBaseUrl });
      await repository.insert(record);
    });
    this.options.logger.info(
      { peer: peerServiceId, peerBaseUrl: record.peerBaseUrl, tokenId: record.tokenId },
      'peer_credential.stored',
    );
    return { service_id: peerServiceId, base_url: record.peerBaseUrl, token_id: record.tokenId };
  }

  /** Lists the stored peer credentials, without their tokens. */
  list(): Promise<PeerCredentialRecord[]> {
    return this.credentials.find({ order: { createdAt: 'ASC' } });
  }

  /**
   * Sends a heartbeat to every peer whose credential is active, or to all of them with
   * `includeUnauthorized`, and records each outcome. A 401 or 403 marks the credential
   * unauthorized: the peer revoked it.
   */
  async sendHeartbeats(includeUnauthorized = false): Promise<HeartbeatResult[]> {
    const records = await this.list();
    const due = records.filter((record) => includeUnauthorized || record.status === 'active');
    return Promise.all(due.map((record) => this.sendHeartbeat(record)));
  }

  private async sendHeartbeat(record: PeerCredentialRecord): Promise<HeartbeatResult> {
    const url = `${record.peerBaseUrl}${this.options.heartbeatPath}`;
    const now = this.options.clock();
    let result: HeartbeatResult;
    try {
      const token = this.options.secretBox.open(
        record.encryptedToken,
        credentialContext(record.peerBaseUrl),
      );
      const response = await this.options.peers.request(url, {
        method: 'POST',
        bearer: token,
        json: { service_id: this.options.self.serviceId, base_url: this.options.self.baseUrl },
      });
      result = {
        peerBaseUrl: record.peerBaseUrl,
        ok: response.status < 300,
        status: response.status,
      };
      if (response.status === 401 || response.status === 403) {
        result.error = `${this.options.peerLabel} rejected the master token (HTTP ${response.status}); it revoked the trust.`;
      } else if (!result.ok) {
        result.error = `${this.options.peerLabel} responded with HTTP ${response.status}.`;
      }
    } catch (error) {
      if (!(error instanceof PeerRequestError)) throw error;
      result = { peerBaseUrl: record.peerBaseUrl, ok: false, error: error.message };
    }

    // A 401 or 403 means the peer revoked the token; other failures leave its status alone.
    let nextStatus = record.status;
    if (result.status === 401 || result.status === 403) nextStatus = 'unauthorized';
    else if (result.ok) nextStatus = 'active';
    await this.credentials.update(
      { id: record.id },
      {
        status: nextStatus,
        lastHeartbeatAt: result.ok ? now : record.lastHeartbeatAt,
        lastError: result.ok ? null : (result.error ?? null),
        updatedAt: now,
      },
    );
    if (!result.ok) {
      this.options.logger.warn(
        { peerBaseUrl: record.peerBaseUrl, status: result.status, error: result.error },
        'heartbeat failed',
      );
    }
    return result;
  }
}

function credentialContext(peerBaseUrl: string): string {
  return `peer-credential:${peerBaseUrl}`;
}
