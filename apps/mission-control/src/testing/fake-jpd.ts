// A small HTTP server on 127.0.0.1 that pretends to be a JPD, so a test can make a peer
// misbehave in ways a real jpd-access never does. It signs its own tokens with its own key.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  ACCESS_TOKEN_TYPE,
  encodePairingExtension,
  generateSigningKeyPair,
  importSigningKey,
  MASTER_TOKEN_SCOPES,
  PAIRING_TOKEN_TYPE,
  pairingScope,
  signToken,
  type GeneratedKeyPair,
  type PairingExtension,
  type SigningKey,
} from '@service-trust/pairing-protocol';

export const FAKE_JWKS_PATH = '/access/api/v1/keys/jwks';
export const FAKE_EXCHANGE_PATH = '/access/api/v1/service_trust/exchange';
export const FAKE_INFO_PATH = '/access/api/v1/system/info';

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Handles one request; `body` is the request body, read in full. */
export type FakeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => void | Promise<void>;

/** A signing key of the fake, with its public JWK for a JWKS. */
export interface FakeKey {
  pair: GeneratedKeyPair;
  signing: SigningKey;
}

export async function generateFakeKey(): Promise<FakeKey> {
  const pair = await generateSigningKeyPair('ES256');
  return { pair, signing: await importSigningKey(pair.privateJwk, pair.alg) };
}

/**
 * A fake JPD. By default it behaves like an honest jpd-access: it serves its JWKS, exchanges any
 * pairing token for a master token signed with its key, and accepts that token on its identity
 * endpoint. {@link on} replaces the handler of one route.
 */
export class FakeJpd {
  readonly requests: RecordedRequest[] = [];
  readonly serviceId = `jfac@fake${randomUUID().replace(/-/g, '').slice(0, 22)}`;
  private readonly routes = new Map<string, FakeHandler>();

  private constructor(
    private readonly server: Server,
    readonly key: FakeKey,
  ) {}

  static async start(): Promise<FakeJpd> {
    const key = await generateFakeKey();
    const server = createServer();
    const fake = new FakeJpd(server, key);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });

    fake.on('GET', FAKE_JWKS_PATH, (_req, res) =>
      sendJson(res, 200, { keys: [fake.key.pair.publicJwk] }),
    );
    fake.on('POST', FAKE_EXCHANGE_PATH, async (_req, res) =>
      sendJson(res, 200, await fake.exchangeResponse()),
    );
    fake.on('GET', FAKE_INFO_PATH, (_req, res) =>
      sendJson(res, 200, {
        service_id: fake.serviceId,
        base_url: fake.baseUrl,
        name: 'jpd-access',
        version: 'fake',
      }),
    );
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get exchangeUrl(): string {
    return `${this.baseUrl}${FAKE_EXCHANGE_PATH}`;
  }

  /** Replaces the handler of `method path`. */
  on(method: string, path: string, handler: FakeHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  /** Requests received at `path`, with any method. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /**
   * Signs a Mission Control pairing token whose URLs point at this fake unless `ext` overrides
   * them, with this fake's key unless `key` is given. `claims` replaces any other claim.
   */
  signPairingToken(
    options: {
      ext?: Partial<PairingExtension>;
      key?: FakeKey;
      claims?: Record<string, unknown>;
    } = {},
  ): Promise<string> {
    const ext: PairingExtension = {
      base_url: this.baseUrl,
      exchange_url: this.exchangeUrl,
      ...options.ext,
    };
    return signToken({
      key: (options.key ?? this.key).signing,
      typ: PAIRING_TOKEN_TYPE,
      claims: {
        iss: this.serviceId,
        aud: this.serviceId,
        sub: `${this.serviceId}/users/admin`,
        scp: pairingScope('mission-control'),
        jti: randomUUID(),
        exp: Math.floor(Date.now() / 1000) + 300,
        ext: encodePairingExtension(ext),
        ...options.claims,
      },
    });
  }

  /** Builds the body an honest exchange URL returns, with a master token signed by `key`. */
  async exchangeResponse(key: FakeKey = this.key): Promise<Record<string, unknown>> {
    const tokenId = randomUUID();
    const scope = MASTER_TOKEN_SCOPES['mission-control'];
    const accessToken = await signToken({
      key: key.signing,
      typ: ACCESS_TOKEN_TYPE,
      claims: {
        iss: this.serviceId,
        aud: this.serviceId,
        sub: `${this.serviceId}/services/mission-control`,
        scp: scope,
        jti: tokenId,
        exp: Math.floor(Date.now() / 1000) + 3600,
      },
    });
    return {
      access_token: accessToken,
      token_id: tokenId,
      expires_in: 3600,
      scope,
      token_type: 'Bearer',
    };
  }

  /** Stops listening and drops open connections, including requests a handler left unanswered. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that gives up early makes writes fail; the fake ignores that.
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

    const handler = this.routes.get(`${req.method} ${path}`);
    if (!handler) {
      sendJson(res, 404, {
        errors: [{ code: 'NOT_FOUND', message: `No route for ${req.method} ${path}.` }],
      });
      return;
    }
    await handler(req, res, body);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
