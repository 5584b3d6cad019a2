import type { Server, ServerResponse } from 'node:http';

import type { RequestHandler } from 'express';

import type { Logger } from '../logger';

/**
 * Tracks the responses of a server so that it can shut down without cutting a request short.
 * The server stops accepting connections, and each response still to be sent closes its
 * connection. Kept-alive connections close as soon as they fall idle.
 */
export class GracefulShutdown {
  private readonly open = new Set<ServerResponse>();
  private server?: Server;
  started = false;

  /** Middleware that records each response until it is sent. */
  readonly track: RequestHandler = (_req, res, next) => {
    if (this.started) res.setHeader('Connection', 'close');
    this.open.add(res);
    res.once('close', () => {
      this.open.delete(res);
      // The connection becomes idle only after this event, so it is closed on the next turn.
      if (this.started) setImmediate(() => this.server?.closeIdleConnections());
    });
    next();
  };

  /**
   * Stops `server` from accepting connections and resolves once the response to every request in
   * flight has been sent. After `timeoutMs` the remaining connections are closed.
   */
  async drain(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
    this.started = true;
    this.server = server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const res of this.open) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();

    const timer = setTimeout(() => {
      logger.warn(
        { requests: this.open.size, timeoutMs },
        'requests still in flight at the shutdown timeout; closing their connections',
      );
      server.closeAllConnections();
    }, timeoutMs);
    await closed;
    clearTimeout(timer);
  }
}
