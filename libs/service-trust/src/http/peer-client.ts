import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

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

/** Limits for calls to peer services. */
export interface PeerClientOptions {
  /** Time allowed for the whole request, body included. */
  timeoutMs: number;
  /** Largest response body read; a longer one fails the request. */
  maxResponseBytes: number;
  /** Allows peers whose host resolves to a link-local or metadata address. */
  allowLinkLocal: boolean;
}

/**
 * Calls a peer service over HTTP without following redirects, within a time and size budget,
 * and, unless allowed, never at a link-local or cloud metadata address.
 */
export class PeerClient {
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
    await this.assertAllowedAddress(target.hostname);

    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(target, {
        method: init.method ?? 'GET',
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new PeerRequestError(
        describeFetchError(error, target, this.options.timeoutMs),
        undefined,
        isConnectionLost(error),
      );
    }

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new PeerRequestError(
        `${target.origin} responded with a redirect (${response.status}), which is not followed.`,
        response.status,
      );
    }

    const text = await this.readBody(response, target);
    if (text.length === 0) return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      throw new PeerRequestError(
        `${target.origin} responded ${response.status} with a body that is not JSON.`,
        response.status,
      );
    }
  }

  private async assertAllowedAddress(hostname: string): Promise<void> {
    if (this.options.allowLinkLocal) return;

    const host = hostname.replace(/^\[|\]$/g, '');
    if (isLinkLocalOrMetadata(host)) {
      throw new PeerRequestError(
        `The host ${hostname} is a link-local or cloud metadata address, which is rejected.`,
      );
    }
    if (isIP(host)) return;

    let addresses: { address: string }[];
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      throw new PeerRequestError(`The host ${hostname} could not be resolved.`);
    }
    // NOTE: the address is checked here and resolved again by fetch, so a DNS answer that
    // changes in between (DNS rebinding) is not caught.
    if (addresses.some(({ address }) => isLinkLocalOrMetadata(address))) {
      throw new PeerRequestError(
        `The host ${hostname} resolves to a link-local or cloud metadata address, which is rejected.`,
      );
    }
  }

  private async readBody(response: Response, target: URL): Promise<string> {
    const declared = Number(response.headers.get('content-length'));
    if (declared > this.options.maxResponseBytes) {
      await response.body?.cancel();
      throw new PeerRequestError(
        `${target.origin} sent a response larger than ${this.options.maxResponseBytes} bytes.`,
      );
    }
    if (!response.body) return '';

    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > this.options.maxResponseBytes) {
          await reader.cancel();
          throw new PeerRequestError(
            `${target.origin} sent a response larger than ${this.options.maxResponseBytes} bytes.`,
          );
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof PeerRequestError) throw error;
      throw new PeerRequestError(
        describeFetchError(error, target, this.options.timeoutMs),
        response.status,
        !isTimeout(error),
      );
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Tells a connection that broke mid-request from a peer that could not be reached at all. */
function isConnectionLost(error: unknown): boolean {
  if (isTimeout(error)) return false;
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

function describeFetchError(error: unknown, target: URL, timeoutMs: number): string {
  if (isTimeout(error)) {
    return `${target.origin} timed out: no response within ${timeoutMs} ms.`;
  }
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return `${target.origin} could not be reached${cause?.code ? ` (${cause.code})` : ''}.`;
}
