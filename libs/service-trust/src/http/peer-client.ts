import { lookup as lookupHost, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

import { isLinkLocalOrMetadata } from '@service-trust/pairing-protocol';

/** Raised when a peer cannot be reached or its response is not accepted. */
export class PeerRequestError extends Error {
  override readonly name = 'PeerRequestError';

  constructor(
    message: string,
    readonly status?: number,
    /**
     * True when the connection broke after the request may have reached the peer, so the
     * request may have taken effect although no response arrived.
     */
    readonly responseLost = false,
  ) {
    super(message);
  }
}

/** A peer's response: its status and its JSON body, when it sent one. */
export interface PeerResponse {
  status: number;
  body: unknown;
}

/** Resolver of a host name to all of its addresses, as `dns.lookup` with `all: true`. */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

/** Limits for calls to peer services. */
export interface PeerClientOptions {
  /** Time allowed for the whole request, body included. */
  timeoutMs: number;
  /** Largest response body read; a longer one fails the request. */
  maxResponseBytes: number;
  /** Allows peers whose host resolves to a link-local or metadata address. */
  allowLinkLocal: boolean;
  /** Resolver of peer host names; the system resolver (`dns.lookup`) unless set. */
  resolveHost?: HostResolver;
}

/**
 * Time after which an idle kept-alive connection to a peer is closed. It is below the 5 s
 * keep-alive timeout of Node.js servers, so a request rarely meets a connection that the peer is
 * closing at the same moment.
 */
const IDLE_CONNECTION_MS = 2_000;

const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) =>
    lookupHost(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * Calls a peer service over HTTP without following redirects, within a time and size budget,
 * and, unless allowed, never at a link-local or cloud metadata address.
 *
 * It uses `node:http` with kept-alive connections in place of `fetch`, which took about 0.4 ms
 * more CPU per call in a measurement on two cores (figures in bench/notes.md). A host name is
 * resolved once, and the connection goes to the address that was checked.
 */
export class PeerClient {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
    'https:': new https.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  };

  private closed = false;

  constructor(private readonly options: PeerClientOptions) {}

  /**
   * Sends one request and reads the JSON response.
   *
   * @throws {PeerRequestError} when the peer is unreachable, redirects, is too slow, or its
   *   response is too large or not JSON.
   */
  async request(
    url: string,
    init: { method?: string; bearer?: string; json?: unknown } = {},
  ): Promise<PeerResponse> {
    const target = new URL(url);
    if (this.closed) {
      throw new PeerRequestError(`${target.origin} was not called: the service is shutting down.`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new PeerRequestError(
        `${target.href} is not an http or https URL, so it cannot be called.`,
      );
    }
    this.assertAllowedHostName(target.hostname);

    const method = init.method ?? 'GET';
    const body = init.json === undefined ? undefined : JSON.stringify(init.json);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }

    // One budget covers the whole call, a repeated attempt included.
    const deadline = Date.now() + this.options.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(target, { method, headers, body }, deadline);
      } catch (error) {
        // A kept-alive connection can be closed by the peer just as a request is written to it.
        // A GET changes nothing, so it is sent once more on a new connection.
        const stale = error instanceof StaleConnectionError && !this.closed;
        if (attempt === 0 && stale && method === 'GET' && Date.now() < deadline) continue;
        throw this.describe(error, target);
      }
    }
  }

  /** Closes the connections to peers and rejects any later request. */
  close(): void {
    this.closed = true;
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  private send(
    target: URL,
    request: { method: string; headers: Record<string, string>; body?: string },
    deadline: number,
  ): Promise<PeerResponse> {
    const protocol = target.protocol as 'http:' | 'https:';
    const transport = protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(target, {
        method: request.method,
        headers: request.headers,
        agent: this.agents[protocol],
        lookup: this.lookup,
      });
      let timedOut = false;
      let status: number | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        outgoing.destroy(new PeerTimeoutError());
      }, deadline - Date.now());

      const fail = (error: unknown) => {
        clearTimeout(timer);
        if (timedOut) {
          reject(new ResponseBodyError(status, new PeerTimeoutError()));
        } else if (
          status === undefined &&
          outgoing.reusedSocket &&
          errorCode(error) === 'ECONNRESET'
        ) {
          reject(new StaleConnectionError(error));
        } else if (
          status !== undefined &&
          !(error instanceof PeerRequestError || error instanceof ResponseBodyError)
        ) {
          reject(new ResponseBodyError(status, error));
        } else {
          reject(error);
        }
      };

      outgoing.on('error', fail);
      outgoing.on('response', (incoming) => {
        status = incoming.statusCode ?? 0;
        this.readResponse(incoming, target).then(
          (response) => {
            clearTimeout(timer);
            resolve(response);
          },
          (error: unknown) => {
            outgoing.destroy();
            fail(error);
          },
        );
      });
      outgoing.end(request.body);
    });
  }

  private async readResponse(incoming: IncomingMessage, target: URL): Promise<PeerResponse> {
    const status = incoming.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      throw new PeerRequestError(
        `${target.origin} responded with a redirect (${status}), which is not followed.`,
        status,
      );
    }

    const tooLarge = () =>
      new PeerRequestError(
        `${target.origin} sent a response larger than ${this.options.maxResponseBytes} bytes.`,
      );
    if (Number(incoming.headers['content-length']) > this.options.maxResponseBytes) {
      throw tooLarge();
    }

    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of incoming as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > this.options.maxResponseBytes) throw tooLarge();
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof PeerRequestError) throw error;
      throw new ResponseBodyError(status, error);
    }

    const text = Buffer.concat(chunks).toString('utf8');
    if (text.length === 0) return { status, body: undefined };
    try {
      return { status, body: JSON.parse(text) };
    } catch {
      throw new PeerRequestError(
        `${target.origin} responded ${status} with a body that is not JSON.`,
        status,
      );
    }
  }

  /** Resolves a host name for a connection and rejects the link-local and metadata addresses. */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolveAllowed(hostname, options.family).then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  private async resolveAllowed(
    hostname: string,
    family: number | string | undefined,
  ): Promise<LookupAddress[]> {
    const resolve = this.options.resolveHost ?? systemResolver;
    let addresses: LookupAddress[];
    try {
      addresses = await resolve(hostname);
    } catch {
      throw new PeerRequestError(`The host ${hostname} could not be resolved.`);
    }

    const requestedFamily = familyNumber(family);
    const usable = addresses.filter(
      (address) => requestedFamily === 0 || address.family === requestedFamily,
    );
    if (usable.length === 0) {
      throw new PeerRequestError(`The host ${hostname} could not be resolved.`);
    }
    if (
      !this.options.allowLinkLocal &&
      addresses.some(({ address }) => isLinkLocalOrMetadata(address))
    ) {
      throw new PeerRequestError(
        `The host ${hostname} resolves to a link-local or cloud metadata address, which is rejected.`,
      );
    }
    return usable;
  }

  /** Rejects a link-local or metadata address, or a metadata host name, as the URL's host. */
  private assertAllowedHostName(hostname: string): void {
    if (this.options.allowLinkLocal) return;
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isLinkLocalOrMetadata(host)) {
      throw new PeerRequestError(
        `The host ${hostname} is a link-local or cloud metadata address, which is rejected.`,
      );
    }
  }

  /** Turns an error of a request into a {@link PeerRequestError} that names the peer. */
  private describe(error: unknown, target: URL): PeerRequestError {
    if (error instanceof PeerRequestError) return error;

    const bodyError = error instanceof ResponseBodyError;
    const status = bodyError ? error.status : undefined;
    const cause =
      error instanceof ResponseBodyError || error instanceof StaleConnectionError
        ? error.cause
        : error;
    if (cause instanceof PeerTimeoutError) {
      return new PeerRequestError(
        `${target.origin} timed out: no response within ${this.options.timeoutMs} ms.`,
        status,
      );
    }

    // A connection that breaks after the request was written may have delivered it.
    const code = errorCode(cause);
    const lost = bodyError || code === 'ECONNRESET' || code === 'EPIPE';
    return new PeerRequestError(
      `${target.origin} could not be reached${code ? ` (${code})` : ''}.`,
      status,
      lost,
    );
  }
}

/** Returns 4 or 6 for an address family given as a number or a name, and 0 for any family. */
function familyNumber(family: number | string | undefined): number {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Error that ends a request whose time budget ran out. */
class PeerTimeoutError extends Error {
  override readonly name = 'PeerTimeoutError';
}

/** Error of a request written to a kept-alive connection that the peer had closed. */
class StaleConnectionError extends Error {
  constructor(override readonly cause: unknown) {
    super('The peer closed the kept-alive connection before it responded.');
  }
}

/** Error that broke the connection while a response body was being read. */
class ResponseBodyError extends Error {
  constructor(
    readonly status: number | undefined,
    override readonly cause: unknown,
  ) {
    super('The connection broke while the response body was read.');
  }
}
