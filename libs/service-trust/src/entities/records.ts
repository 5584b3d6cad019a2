/** The service's identity, one row created at first start. */
export interface ServiceIdentityRecord {
  id: number;
  serviceId: string;
  createdAt: Date;
}

/** A signing key; the private JWK is encrypted with the key-encryption key. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: string;
  encryptedPrivateJwk: string;
  createdAt: Date;
}

/** A local user who may call admin endpoints. */
export interface UserRecord {
  username: string;
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

export type TokenKind = 'pairing' | 'master' | 'access';

export type TokenStatus = 'active' | 'used' | 'revoked';

/** State of a token this service issued. The token text itself is never stored. */
export interface TokenRecord {
  id: string;
  kind: TokenKind;
  subject: string;
  scope: string;
  useCase: string | null;
  status: TokenStatus;
  expiresAt: Date;
  createdAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  pairingId: string | null;
  /** SHA-256 of the request id that consumed a pairing token, when the consumer sent one. */
  exchangeRequestHash: string | null;
}

export type PairingStatus = 'active' | 'revoked';

/** A peer that this service trusts, created by exchanging one pairing token. */
export interface PairingRecord {
  id: string;
  useCase: string;
  peerServiceId: string;
  peerBaseUrl: string;
  peerName: string | null;
  pairingTokenId: string;
  masterTokenId: string;
  status: PairingStatus;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A security-relevant event, such as a replayed pairing token. */
export interface AuditEventRecord {
  id: string;
  type: string;
  tokenId: string | null;
  pairingId: string | null;
  detail: string | null;
  createdAt: Date;
}

export type PeerCredentialStatus = 'active' | 'unauthorized';

/**
 * A master token that a peer issued to this service (the reverse direction of two-way trust),
 * stored encrypted, with the outcome of the last heartbeat sent with it.
 */
export interface PeerCredentialRecord {
  id: string;
  useCase: string;
  pairingId: string | null;
  peerServiceId: string;
  peerBaseUrl: string;
  encryptedToken: string;
  tokenId: string;
  expiresAt: Date;
  status: PeerCredentialStatus;
  lastHeartbeatAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A signed-in browser session of the admin web page. The session token itself is never stored:
 * `id` is its SHA-256 hash.
 */
export interface AdminSessionRecord {
  id: string;
  username: string;
  /** Token that every state-changing request of the session sends in the X-CSRF-Token header. */
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}
