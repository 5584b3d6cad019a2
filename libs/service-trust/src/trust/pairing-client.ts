import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import {
  ACCESS_TOKEN_TYPE,
  accessTokenClaimsSchema,
  checkPairingUrls,
  createTokenVerifier,
  decodePairingToken,
  exchangeResponseSchema,
  InvalidTokenError,
  isProtocolError,
  PAIRING_TOKEN_TYPE,
  pairingScope,
  pairingTokenClaimsSchema,
  UrlRejectedError,
  type ExchangeResponse,
  type PairingExtension,
  type PublicKeySet,
  type UseCase,
} from '@service-trust/pairing-protocol';
import { z } from 'zod';

import { badRequest, conflict } from '../http/http-error';
import { PeerRequestError, type PeerClient, type PeerResponse } from '../http/peer-client';
import { describePeerErrors, redactTokens } from '../http/redact';

/** Pauses before each repeated exchange after a lost response or a busy peer. */
const EXCHANGE_RETRY_DELAYS_MS = [250, 1000];

/** Statuses that mean the peer could not handle the exchange now but may later. */
const RETRIED_STATUSES = new Set([502, 503, 504]);

const publicKeySetSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) });

/** The result of a successful exchange at a peer. */
export interface PairingResult {
  peerServiceId: string;
  masterToken: ExchangeResponse;
  /** The token's `ext` claim; a `pairing_url` in it requests two-way trust. */
  extension: PairingExtension;
}

/**
 * Consumes a peer's pairing token. The peer's base URL, entered by an administrator or known from
 * an earlier pairing, is the root of trust. The token's URLs must match it, and the token's
 * signature is checked with keys fetched from it before any URL read from the token is called.
 */
export class PairingClient {
  constructor(
    private readonly options: {
      peers: PeerClient;
      allowLinkLocal: boolean;
      /** Identity this service presents at the exchange URL. */
      self: { serviceId: string; baseUrl: string; name: string };
      /** Path of the JWKS under a peer's base URL. */
      jwksPath: string;
      /** Use case of the peer's pairing tokens that this service accepts. */
      useCase: UseCase;
      /** Name of the peer in error messages, e.g. `JPD`. */
      peerLabel: string;
      /** Error code when the peer cannot be reached, e.g. `JPD_UNREACHABLE`. */
      unreachableCode: string;
      clock: () => Date;
    },
  ) {}

  /** Use case of the peer's pairing tokens that this client consumes. */
  get useCase(): UseCase {
    return this.options.useCase;
  }

  /**
   * Checks `token` against `url`, exchanges it and returns the verified master token.
   *
   * @throws {HttpError} 400 when the token or URL is unusable or the peer cannot be reached, 409
   *   when the peer reports the token as already used.
   */
  async pair(url: string, token: string): Promise<PairingResult> {
    const unverified = rejectAsBadRequest(() => decodePairingToken(token));
    const { claims, extension } = unverified;
    if (claims.scp !== pairingScope(this.options.useCase)) {
      throw badRequest(
        `The token is not a pairing token for ${this.options.useCase}: its scope is ${claims.scp}.`,
        'INVALID_TOKEN',
      );
    }
    if (claims.aud !== claims.iss) {
      throw badRequest('The token audience is not its issuer.', 'INVALID_TOKEN');
    }
    rejectAsBadRequest(() =>
      checkPairingUrls(url, extension, { allowLinkLocal: this.options.allowLinkLocal }),
    );

    const keySet = await this.fetchKeySet(url);
    const verifier = rejectAsBadRequest(() =>
      createTokenVerifier({ keySet, issuer: claims.iss, audience: claims.iss }),
    );
    await rejectAsBadRequestAsync(() =>
      verifier.verify(token, {
        typ: PAIRING_TOKEN_TYPE,
        schema: pairingTokenClaimsSchema,
        now: this.options.clock(),
      }),
    );

    const response = await this.exchange(extension.exchange_url, token);
    if (response.status === 409) {
      throw conflict(
        `The ${this.options.peerLabel} reports that the pairing token was already used.`,
        'TOKEN_ALREADY_USED',
      );
    }
    if (response.status !== 200) {
      throw badRequest(
        `The ${this.options.peerLabel} rejected the pairing token (HTTP ${response.status}${describePeerErrors(response.body)}).`,
        'PAIRING_REJECTED',
      );
    }

    const parsed = exchangeResponseSchema.safeParse(response.body);
    if (!parsed.success) {
      throw badRequest(
        `The ${this.options.peerLabel} responded to the exchange with an invalid body.`,
        'PAIRING_REJECTED',
      );
    }
    const master = await rejectAsBadRequestAsync(() =>
      verifier.verify(parsed.data.access_token, {
        typ: ACCESS_TOKEN_TYPE,
        schema: accessTokenClaimsSchema,
        now: this.options.clock(),
      }),
    );
    if (master.claims.jti !== parsed.data.token_id) {
      throw badRequest(
        `The ${this.options.peerLabel} responded with a token_id that is not its master token's id.`,
        'PAIRING_REJECTED',
      );
    }
    return { peerServiceId: claims.iss, masterToken: parsed.data, extension };
  }

  /**
   * Presents `token` at the exchange URL. When the connection breaks before the response arrives,
   * or the peer responds that it is unavailable for now, the same request is sent again with the
   * same request id. The peer then issues a new master token for the pairing that the lost
   * response created, and revokes the lost one.
   */
  private async exchange(exchangeUrl: string, token: string): Promise<PeerResponse> {
    const init = {
      method: 'POST',
      bearer: token,
      json: {
        service_id: this.options.self.serviceId,
        base_url: this.options.self.baseUrl,
        name: this.options.self.name,
        request_id: randomUUID(),
      },
    };
    for (let attempt = 0; ; attempt++) {
      const retryAfterMs = EXCHANGE_RETRY_DELAYS_MS[attempt];
      try {
        const response = await this.options.peers.request(exchangeUrl, init);
        if (retryAfterMs === undefined || !RETRIED_STATUSES.has(response.status)) return response;
      } catch (error) {
        // NOTE: when every attempt loses its response, the peer keeps a pairing and a live
        // master token that this service never received, until the peer's administrator revokes it.
        const lost = error instanceof PeerRequestError && error.responseLost;
        if (retryAfterMs === undefined || !lost) return this.call(exchangeUrl, init, error);
      }
      await delay(retryAfterMs);
    }
  }

  private async fetchKeySet(baseUrl: string): Promise<PublicKeySet> {
    const response = await this.call(`${baseUrl}${this.options.jwksPath}`);
    const parsed = publicKeySetSchema.safeParse(response.body);
    if (response.status !== 200 || !parsed.success) {
      throw badRequest(
        `The ${this.options.peerLabel} at ${baseUrl} did not serve its public keys (HTTP ${response.status}).`,
        this.options.unreachableCode,
      );
    }
    return parsed.data as PublicKeySet;
  }

  private async call(
    url: string,
    init?: Parameters<PeerClient['request']>[1],
    failure?: unknown,
  ): Promise<PeerResponse> {
    try {
      if (failure !== undefined) throw failure;
      return await this.options.peers.request(url, init);
    } catch (error) {
      if (error instanceof PeerRequestError)
        throw badRequest(
          `The ${this.options.peerLabel} could not be reached: ${error.message}`,
          this.options.unreachableCode,
        );
      throw error;
    }
  }
}

/** Runs `check` and turns a token or URL rejection into a 400 with the specific reason. */
function rejectAsBadRequest<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw toBadRequest(error);
  }
}

async function rejectAsBadRequestAsync<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw toBadRequest(error);
  }
}

function toBadRequest(error: unknown): unknown {
  if (error instanceof UrlRejectedError) {
    return badRequest(redactTokens(error.message), 'URL_REJECTED');
  }
  if (error instanceof InvalidTokenError || isProtocolError(error)) {
    return badRequest(`The pairing token is unusable: ${error.message}`, 'INVALID_TOKEN');
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_JWKS')) {
    return badRequest('The peer published keys that cannot be used.', 'INVALID_TOKEN');
  }
  return error;
}
