import { EntitySchema } from 'typeorm';

import { timestampType, type Dialect } from '../db/dialect';
import type {
  AdminSessionRecord,
  AuditEventRecord,
  PairingRecord,
  PeerCredentialRecord,
  ServiceIdentityRecord,
  SigningKeyRecord,
  TokenRecord,
  UserRecord,
} from './records';

/** Entity names, used to look up repositories. */
export const Entities = {
  serviceIdentity: 'ServiceIdentity',
  signingKey: 'SigningKey',
  user: 'User',
  token: 'Token',
  pairing: 'Pairing',
  auditEvent: 'AuditEvent',
  peerCredential: 'PeerCredential',
  adminSession: 'AdminSession',
} as const;

/** Builds the entities that every service stores, with column types for `dialect`. */
export function serviceTrustEntities(dialect: Dialect): EntitySchema<any>[] {
  const timestamp = timestampType(dialect);

  return [
    new EntitySchema<ServiceIdentityRecord>({
      name: Entities.serviceIdentity,
      tableName: 'service_identity',
      columns: {
        id: { type: 'integer', primary: true },
        serviceId: { name: 'service_id', type: 'varchar', length: 64 },
        createdAt: { name: 'created_at', type: timestamp },
      },
    }),
    new EntitySchema<SigningKeyRecord>({
      name: Entities.signingKey,
      tableName: 'signing_keys',
      columns: {
        kid: { type: 'varchar', length: 64, primary: true },
        alg: { type: 'varchar', length: 16 },
        publicJwk: { name: 'public_jwk', type: 'text' },
        encryptedPrivateJwk: { name: 'encrypted_private_jwk', type: 'text' },
        createdAt: { name: 'created_at', type: timestamp },
      },
    }),
    new EntitySchema<UserRecord>({
      name: Entities.user,
      tableName: 'users',
      columns: {
        username: { type: 'varchar', length: 64, primary: true },
        passwordHash: { name: 'password_hash', type: 'varchar', length: 255 },
        createdAt: { name: 'created_at', type: timestamp },
        updatedAt: { name: 'updated_at', type: timestamp },
      },
    }),
    new EntitySchema<TokenRecord>({
      name: Entities.token,
      tableName: 'tokens',
      columns: {
        id: { type: 'varchar', length: 36, primary: true },
        kind: { type: 'varchar', length: 16 },
        subject: { type: 'varchar', length: 255 },
        scope: { type: 'varchar', length: 255 },
        useCase: { name: 'use_case', type: 'varchar', length: 64, nullable: true },
        status: { type: 'varchar', length: 16 },
        expiresAt: { name: 'expires_at', type: timestamp },
        createdAt: { name: 'created_at', type: timestamp },
        usedAt: { name: 'used_at', type: timestamp, nullable: true },
        revokedAt: { name: 'revoked_at', type: timestamp, nullable: true },
        pairingId: { name: 'pairing_id', type: 'varchar', length: 36, nullable: true },
        exchangeRequestHash: {
          name: 'exchange_request_hash',
          type: 'varchar',
          length: 64,
          nullable: true,
        },
      },
      indices: [{ name: 'idx_tokens_pairing_id', columns: ['pairingId'] }],
    }),
    new EntitySchema<PairingRecord>({
      name: Entities.pairing,
      tableName: 'pairings',
      columns: {
        id: { type: 'varchar', length: 36, primary: true },
        useCase: { name: 'use_case', type: 'varchar', length: 64 },
        peerServiceId: { name: 'peer_service_id', type: 'varchar', length: 200 },
        peerBaseUrl: { name: 'peer_base_url', type: 'varchar', length: 2048 },
        peerName: { name: 'peer_name', type: 'varchar', length: 200, nullable: true },
        pairingTokenId: { name: 'pairing_token_id', type: 'varchar', length: 36 },
        masterTokenId: { name: 'master_token_id', type: 'varchar', length: 36 },
        status: { type: 'varchar', length: 16 },
        createdAt: { name: 'created_at', type: timestamp },
        revokedAt: { name: 'revoked_at', type: timestamp, nullable: true },
      },
      indices: [
        { name: 'idx_pairings_peer', columns: ['useCase', 'peerBaseUrl'] },
        { name: 'uq_pairings_pairing_token_id', columns: ['pairingTokenId'], unique: true },
      ],
    }),
    new EntitySchema<AuditEventRecord>({
      name: Entities.auditEvent,
      tableName: 'audit_events',
      columns: {
        id: { type: 'varchar', length: 36, primary: true },
        type: { type: 'varchar', length: 64 },
        tokenId: { name: 'token_id', type: 'varchar', length: 36, nullable: true },
        pairingId: { name: 'pairing_id', type: 'varchar', length: 36, nullable: true },
        detail: { type: 'text', nullable: true },
        createdAt: { name: 'created_at', type: timestamp },
      },
      indices: [{ name: 'idx_audit_events_token_id', columns: ['tokenId'] }],
    }),
    new EntitySchema<PeerCredentialRecord>({
      name: Entities.peerCredential,
      tableName: 'peer_credentials',
      columns: {
        id: { type: 'varchar', length: 36, primary: true },
        useCase: { name: 'use_case', type: 'varchar', length: 64 },
        pairingId: { name: 'pairing_id', type: 'varchar', length: 36, nullable: true },
        peerServiceId: { name: 'peer_service_id', type: 'varchar', length: 200 },
        peerBaseUrl: { name: 'peer_base_url', type: 'varchar', length: 2048 },
        encryptedToken: { name: 'encrypted_token', type: 'text' },
        tokenId: { name: 'token_id', type: 'varchar', length: 36 },
        expiresAt: { name: 'expires_at', type: timestamp },
        status: { type: 'varchar', length: 16 },
        lastHeartbeatAt: { name: 'last_heartbeat_at', type: timestamp, nullable: true },
        lastError: { name: 'last_error', type: 'varchar', length: 500, nullable: true },
        createdAt: { name: 'created_at', type: timestamp },
        updatedAt: { name: 'updated_at', type: timestamp },
      },
      indices: [
        { name: 'uq_peer_credentials_peer', columns: ['useCase', 'peerBaseUrl'], unique: true },
      ],
    }),
    new EntitySchema<AdminSessionRecord>({
      name: Entities.adminSession,
      tableName: 'admin_sessions',
      columns: {
        id: { type: 'varchar', length: 64, primary: true },
        username: { type: 'varchar', length: 64 },
        csrfToken: { name: 'csrf_token', type: 'varchar', length: 64 },
        createdAt: { name: 'created_at', type: timestamp },
        expiresAt: { name: 'expires_at', type: timestamp },
      },
      indices: [{ name: 'idx_admin_sessions_expires_at', columns: ['expiresAt'] }],
    }),
  ];
}
