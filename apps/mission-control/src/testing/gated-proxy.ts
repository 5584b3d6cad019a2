// A reverse proxy on 127.0.0.1 in front of a real service. A test can delay each response until
// an event of its choice, which makes a race between two requests happen in a set order.
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request that passed the proxy, with the status of the upstream response. */
export interface ProxiedExchange {
  method: string;
  path: string;
  status: number;
}

/**
 * Runs after the upstream response arrived and before the proxy forwards it. Returning `'drop'`
 * closes the client's connection instead, as if the response was lost on the way.
 */
export type ResponseGate = (exchange: ProxiedExchange) => Promise<void | 'drop'> | void | 'drop';

export class GatedProxy {
  /** Port of the service behind the proxy; set it before the first request. */
  targetPort = 0;
  gate: ResponseGate = () => undefined;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<GatedProxy> {
    const server = createServer();
    const proxy = new GatedProxy(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        proxy
          .forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks))
          .then(async (upstream) => {
            const verdict = await proxy.gate({
              method: req.method ?? 'GET',
              path: req.url ?? '/',
              status: upstream.status,
            });
            if (verdict === 'drop') {
              res.socket?.destroy();
              return;
            }
            res.writeHead(upstream.status, upstream.headers);
            res.end(upstream.body);
          })
          .catch(() => {
            res.writeHead(502);
            res.end();
          });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private forward(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: this.targetPort,
          method,
          path,
          headers: { ...headers, connection: 'close' },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
