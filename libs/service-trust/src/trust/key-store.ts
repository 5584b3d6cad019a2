import {
  createTokenVerifier,
  generateSigningKeyPair,
  importSigningKey,
  toPublicKeySet,
  type PublicKeySet,
  type SigningAlgorithm,
  type SigningKey,
  type TokenVerifier,
} from '@service-trust/pairing-protocol';
import type { DataSource } from 'typeorm';

import { ConfigError } from '../config/env';
import type { SecretBox } from '../crypto/secret-box';
import { Entities } from '../entities/schemas';
import type { SigningKeyRecord } from '../entities/records';
import type { Logger } from '../logger';

/** Minimum time between two reloads triggered by an unknown `kid`. */
const RELOAD_INTERVAL_MS = 5_000;

/**
 * The service's signing keys. The newest key signs; every stored key verifies, so a key added by
 * rotation, or by another replica, is accepted after a reload.
 */
export class KeyStore {
  private signing!: SigningKey;
  private keySet!: PublicKeySet;
  private verifierInstance!: TokenVerifier;
  private lastReload = 0;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly serviceId: string,
  ) {}

  /** Loads the stored keys, generating an `alg` key at first start. */
  static async open(options: {
    dataSource: DataSource;
    secretBox: SecretBox;
    serviceId: string;
    alg: SigningAlgorithm;
    logger: Logger;
  }): Promise<KeyStore> {
    const store = new KeyStore(options.dataSource, options.secretBox, options.serviceId);
    const repository = options.dataSource.getRepository<SigningKeyRecord>(Entities.signingKey);

    if ((await repository.count()) === 0) {
      const pair = await generateSigningKeyPair(options.alg);
      await repository.insert({
        kid: pair.kid,
        alg: pair.alg,
        publicJwk: JSON.stringify(pair.publicJwk),
        encryptedPrivateJwk: options.secretBox.seal(
          JSON.stringify(pair.privateJwk),
          `signing-key:${pair.kid}`,
        ),
        createdAt: new Date(),
      });
      options.logger.info({ kid: pair.kid, alg: pair.alg }, 'signing_key.created');
    }

    await store.reload();
    return store;
  }

  /** Key that signs new tokens. */
  get signingKey(): SigningKey {
    return this.signing;
  }

  /** Public keys, as published at the JWKS endpoint. */
  get publicKeySet(): PublicKeySet {
    return this.keySet;
  }

  /** Verifier bound to this service's keys, issuer and audience. */
  get verifier(): TokenVerifier {
    return this.verifierInstance;
  }

  /** Reloads keys from the database unless the last reload was less than 5 seconds ago. Returns true when it reloaded. */
  async reloadIfStale(): Promise<boolean> {
    if (Date.now() - this.lastReload < RELOAD_INTERVAL_MS) return false;
    await this.reload();
    return true;
  }

  private async reload(): Promise<void> {
    this.lastReload = Date.now();
    const records = await this.dataSource
      .getRepository<SigningKeyRecord>(Entities.signingKey)
      .find({ order: { createdAt: 'DESC', kid: 'ASC' } });

    const newest = records[0];
    let privateJwk;
    try {
      privateJwk = JSON.parse(
        this.secretBox.open(newest.encryptedPrivateJwk, `signing-key:${newest.kid}`),
      );
    } catch {
      throw new ConfigError(
        `The signing key ${newest.kid} cannot be decrypted with this key-encryption key. ` +
          'Replicas that share a database must share KEY_ENCRYPTION_KEY (or the key-encryption.key file).',
      );
    }
    this.signing = await importSigningKey(privateJwk, newest.alg as SigningAlgorithm);
    this.keySet = toPublicKeySet(records.map((record) => JSON.parse(record.publicJwk)));
    this.verifierInstance = createTokenVerifier({
      keySet: this.keySet,
      issuer: this.serviceId,
      audience: this.serviceId,
      algorithms: [...new Set(records.map((record) => record.alg as SigningAlgorithm))],
    });
  }
}
