import express, { type Router } from 'express';
import {
  ADMIN_SCOPE,
  DEFAULT_PAIRING_TOKEN_TTL_SECONDS,
  exchangeRequestSchema,
  InvalidTokenError,
  isUseCase,
  MAX_PAIRING_TOKEN_TTL_SECONDS,
  MIN_PAIRING_TOKEN_TTL_SECONDS,
  normalizeBaseUrl,
  pairingTokenRequestSchema,
  UrlRejectedError,
  type UseCase,
} from '@service-trust/pairing-protocol';
import { z } from 'zod';

import { usernameOf, type Authenticator } from '../auth/authenticate';
import type { PairingRecord, PeerCredentialRecord, TokenRecord } from '../entities/records';
import type { PeerTrust } from '../trust/peer-trust';
import { rateLimit, type RateLimiter } from './rate-limiter';
import type { KeyStore } from '../trust/key-store';
import type { TokenService } from '../trust/token-service';
import { badRequest, HttpError, notFound } from './http-error';
import { parseBody } from './validate';

export const revokePairingSchema = z.strictObject({ base_url: z.string().min(1).max(2048) });

export const createTokenSchema = z.strictObject({
  expires_in: z
    .number()
    .int()
    .min(60)
    .max(365 * 24 * 60 * 60)
    .optional(),
  scope: z.literal(ADMIN_SCOPE).optional(),
});

const tokenIdSchema = z.uuid();

/** A 401 of the exchange URL, which takes a bearer pairing token and no other credential. */
const invalidPairingToken = (message: string) =>
  new HttpError(401, 'INVALID_TOKEN', message, {
    'WWW-Authenticate': 'Bearer error="invalid_token"',
  });

export const peerPairingSchema = z.strictObject({ pairing_token: z.string().min(1).max(16_384) });

/** Default lifetime of an admin access token: 1 hour. */
const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 60 * 60;

/**
 * Routes of service trust, mounted under a service's API prefix: pairing tokens for the use cases
 * this service issues, the exchange URL, pairings, admin tokens and the public keys.
 */
export function createServiceTrustRouter(options: {
  useCases: readonly UseCase[];
  tokens: TokenService;
  keys: KeyStore;
  auth: Authenticator;
  peerTrust?: PeerTrust;
  /** Limits exchanges per client address. */
  exchangeLimiter: RateLimiter;
}): Router {
  const { tokens, auth, peerTrust } = options;
  const router = express.Router();

  const issuedUseCase = (value: string): UseCase => {
    if (!isUseCase(value) || !options.useCases.includes(value)) {
      throw notFound(
        `Unknown use case ${JSON.stringify(value)}; this service issues ${options.useCases.join(', ')}.`,
      );
    }
    return value;
  };

  router.get('/keys/jwks', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(options.keys.publicKeySet);
  });

  router.post('/service_trust/pairing/:useCase', auth.requireAdmin, async (req, res) => {
    const useCase = issuedUseCase(req.params.useCase as string);
    const body = parseBody(req, pairingTokenRequestSchema, { optional: true });
    const expiresIn = body.expires_in ?? DEFAULT_PAIRING_TOKEN_TTL_SECONDS;
    if (expiresIn < MIN_PAIRING_TOKEN_TTL_SECONDS || expiresIn > MAX_PAIRING_TOKEN_TTL_SECONDS) {
      throw badRequest(
        `expires_in must be from ${MIN_PAIRING_TOKEN_TTL_SECONDS} to ${MAX_PAIRING_TOKEN_TTL_SECONDS} seconds.`,
      );
    }

    const username = usernameOf(req);
    res.json(
      await tokens.issuePairingToken({ useCase, username, expiresIn, twoWay: body.two_way }),
    );
  });

  router.post('/service_trust/exchange', rateLimit(options.exchangeLimiter), async (req, res) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match) throw invalidPairingToken('A pairing token is required as a bearer token.');

    const body = parseBody(req, exchangeRequestSchema);
    let baseUrl: string;
    try {
      baseUrl = normalizeBaseUrl(body.base_url, 'base_url');
    } catch (error) {
      if (error instanceof UrlRejectedError) throw badRequest(error.message);
      throw error;
    }

    try {
      res.json(await tokens.exchange(match[1], { ...body, base_url: baseUrl }));
    } catch (error) {
      // An anonymous caller learns only that the token was rejected; the reason goes to the log.
      if (error instanceof InvalidTokenError) {
        req.log?.info({ code: error.code, reason: error.message }, 'exchange rejected');
        throw invalidPairingToken('The pairing token is invalid.');
      }
      throw error;
    }
  });

  // The pairing URL of a two-way token. The paired peer sends its own pairing token here,
  // authenticated with the master token it received, and an administrator may do so by hand.
  router.put(
    '/service_trust/pairing/:useCase',
    auth.requireScope('service-trust:pairing:w'),
    async (req, res) => {
      const useCase = issuedUseCase(req.params.useCase as string);
      if (!peerTrust) throw notFound(`This service does not accept ${useCase} peer tokens.`);
      const { pairing_token: token } = parseBody(req, peerPairingSchema);

      const principal = req.principal!;
      const accepted =
        principal.kind === 'service'
          ? await peerTrust.acceptFromPeer(principal.token.record, useCase, token)
          : await peerTrust.acceptFromAdmin(useCase, token);
      res.json(accepted);
    },
  );

  router.post('/service_trust/heartbeat', auth.requireAdmin, async (_req, res) => {
    if (!peerTrust) throw notFound('This service sends no heartbeats.');
    const results = await peerTrust.sendHeartbeats(true);
    res.json({
      heartbeats: results.map((result) => ({
        base_url: result.peerBaseUrl,
        ok: result.ok,
        status: result.status,
        error: result.error,
      })),
    });
  });

  router.get('/service_trust/pairings', auth.requireAdmin, async (_req, res) => {
    const pairings = await tokens.listPairings();
    const replays = await tokens.replaysByPairing();
    const credentials = (await peerTrust?.list()) ?? [];
    const pairedUrls = new Set(pairings.map((pairing) => pairing.peerBaseUrl));
    res.json({
      pairings: pairings.map((pairing) =>
        pairingView(
          pairing,
          credentials.find((credential) => credential.peerBaseUrl === pairing.peerBaseUrl),
          replays.get(pairing.id),
        ),
      ),
      // Master tokens that an administrator accepted from peers this service never paired with.
      reverse_only: credentials
        .filter((credential) => !pairedUrls.has(credential.peerBaseUrl))
        .map((credential) => ({
          service_id: credential.peerServiceId,
          base_url: credential.peerBaseUrl,
          ...credentialView(credential),
        })),
    });
  });

  router.delete('/service_trust/pairings/:useCase', auth.requireAdmin, async (req, res) => {
    const useCase = issuedUseCase(req.params.useCase as string);
    const body = parseBody(req, revokePairingSchema);
    let baseUrl: string;
    try {
      baseUrl = normalizeBaseUrl(body.base_url, 'base_url');
    } catch (error) {
      if (error instanceof UrlRejectedError) throw badRequest(error.message);
      throw error;
    }

    if (!(await tokens.revokePairing(useCase, baseUrl))) {
      throw notFound(`No active ${useCase} trust with ${baseUrl}.`);
    }
    res.status(204).end();
  });

  router.post('/tokens', auth.requireAdmin, async (req, res) => {
    const body = parseBody(req, createTokenSchema, { optional: true });
    const principal = req.principal;
    const username = usernameOf(req);
    let expiresIn = body.expires_in ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;

    // A token created with a token lives no longer than the token that created it.
    if (principal?.kind === 'user' && principal.expiresAt) {
      const remaining = Math.floor((principal.expiresAt.getTime() - Date.now()) / 1000);
      expiresIn = Math.max(1, Math.min(expiresIn, remaining));
    }
    res.json(
      await tokens.issueAccessToken({ username, scope: body.scope ?? ADMIN_SCOPE, expiresIn }),
    );
  });

  router.get('/tokens/:id', auth.requireAdmin, async (req, res) => {
    const record = await findTokenOr404(tokens, req.params.id as string);
    res.json(tokenView(record));
  });

  router.delete('/tokens/:id', auth.requireAdmin, async (req, res) => {
    const record = await findTokenOr404(tokens, req.params.id as string);
    await tokens.revokeToken(record.id);
    res.status(204).end();
  });

  return router;
}

async function findTokenOr404(tokens: TokenService, id: string): Promise<TokenRecord> {
  const record = tokenIdSchema.safeParse(id).success ? await tokens.findToken(id) : null;
  if (!record) throw notFound(`Token ${JSON.stringify(id)} was not found.`);
  return record;
}

function tokenView(record: TokenRecord) {
  return {
    token_id: record.id,
    kind: record.kind,
    subject: record.subject,
    scope: record.scope,
    use_case: record.useCase ?? undefined,
    status: record.status,
    issued_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
  };
}

function pairingView(
  pairing: PairingRecord,
  credential?: PeerCredentialRecord,
  replays?: { count: number; lastAt: Date },
) {
  return {
    trust: credential?.status === 'active' && pairing.status === 'active' ? 'TWO_WAY' : 'ONE_WAY',
    id: pairing.id,
    use_case: pairing.useCase,
    service_id: pairing.peerServiceId,
    base_url: pairing.peerBaseUrl,
    name: pairing.peerName ?? undefined,
    status: pairing.status,
    master_token_id: pairing.masterTokenId,
    created_at: pairing.createdAt.toISOString(),
    revoked_at: pairing.revokedAt?.toISOString(),
    reverse: credential && { service_id: credential.peerServiceId, ...credentialView(credential) },
    // The pairing token was presented again after it made this pairing: it may have been
    // intercepted, and an administrator may want to revoke this trust.
    replays: replays && { count: replays.count, last_at: replays.lastAt.toISOString() },
  };
}

function credentialView(credential: PeerCredentialRecord) {
  return {
    status: credential.status,
    token_id: credential.tokenId,
    last_heartbeat_at: credential.lastHeartbeatAt?.toISOString(),
    last_error: credential.lastError ?? undefined,
  };
}
