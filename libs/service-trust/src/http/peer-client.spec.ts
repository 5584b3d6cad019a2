import net from 'node:net';

import { PeerClient, PeerRequestError, type HostResolver } from './peer-client';

const LIMITS = { timeoutMs: 2_000, maxResponseBytes: 10_000, allowLinkLocal: false };

/**
 * Starts a loopback HTTP/1.1 server on raw sockets, so a test can drop a kept-alive connection
 * at the moment a second request arrives on it.
 */
async function startRawServer(options: { dropSecondRequestOnConnection: boolean }) {
  const connections: net.Socket[] = [];
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    connections.push(socket);
    let served = 0;
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4;
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + length) return;
        buffered = buffered.slice(end + length);
        requests.push(head.split('\r\n')[0]);

        served += 1;
        if (served === 2 && options.dropSecondRequestOnConnection) {
          socket.destroy();
          return;
        }
        const body = JSON.stringify({ connection: connections.indexOf(socket) });
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
            `Connection: keep-alive\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    requests,
    close: () => {
      for (const socket of connections) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('PeerClient', () => {
  let server: Awaited<ReturnType<typeof startRawServer>>;
  let client: PeerClient;

  afterEach(async () => {
    client?.close();
    await server?.close();
  });

  it('connects to the address it checked', async () => {
    server = await startRawServer({ dropSecondRequestOnConnection: false });
    const resolved: string[] = [];
    // The reserved .invalid domain never resolves through DNS, so a second resolution by the
    // HTTP stack would fail the request.
    const resolveHost: HostResolver = async (hostname) => {
      resolved.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    client = new PeerClient({ ...LIMITS, resolveHost });

    const response = await client.request(`http://peer.invalid:${server.port}/status`);

    expect(response).toEqual({ status: 200, body: { connection: 0 } });
    expect(resolved).toEqual(['peer.invalid']);
    expect(server.requests).toEqual(['GET /status HTTP/1.1']);
  });

  it('rejects a host that resolves to the metadata address', async () => {
    server = await startRawServer({ dropSecondRequestOnConnection: false });
    const resolveHost: HostResolver = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    client = new PeerClient({ ...LIMITS, resolveHost });

    const failure = client.request(`http://metadata.invalid:${server.port}/`);

    await expect(failure).rejects.toThrow(PeerRequestError);
    await expect(failure).rejects.toThrow(
      'The host metadata.invalid resolves to a link-local or cloud metadata address, which is rejected.',
    );
    expect(server.connections).toHaveLength(0);
  });

  it('rejects a metadata host name before resolving it', async () => {
    const resolved: string[] = [];
    const resolveHost: HostResolver = async (hostname) => {
      resolved.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    client = new PeerClient({ ...LIMITS, resolveHost });

    await expect(client.request('http://metadata.google.internal/')).rejects.toThrow(
      'The host metadata.google.internal is a link-local or cloud metadata address, which is rejected.',
    );
    expect(resolved).toEqual([]);
  });

  it('rejects a request after close', async () => {
    server = await startRawServer({ dropSecondRequestOnConnection: false });
    client = new PeerClient(LIMITS);

    client.close();
    const failure = client.request(`http://127.0.0.1:${server.port}/status`);

    await expect(failure).rejects.toThrow(
      `http://127.0.0.1:${server.port} was not called: the service is shutting down.`,
    );
    expect(server.connections).toHaveLength(0);
  });

  it('reports a host that does not resolve', async () => {
    const resolveHost: HostResolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    client = new PeerClient({ ...LIMITS, resolveHost });

    await expect(client.request('http://missing.invalid/')).rejects.toThrow(
      'The host missing.invalid could not be resolved.',
    );
  });

  it('sends a GET again when its kept-alive connection was closed', async () => {
    server = await startRawServer({ dropSecondRequestOnConnection: true });
    client = new PeerClient(LIMITS);
    const url = `http://127.0.0.1:${server.port}/status`;

    const first = await client.request(url);
    const second = await client.request(url);

    expect(first.body).toEqual({ connection: 0 });
    expect(second.body).toEqual({ connection: 1 });
    expect(server.requests).toHaveLength(3);
  });

  it('reports a lost response for a POST on a closed connection', async () => {
    server = await startRawServer({ dropSecondRequestOnConnection: true });
    client = new PeerClient(LIMITS);
    const url = `http://127.0.0.1:${server.port}/exchange`;
    await client.request(url, { method: 'POST', json: { attempt: 1 } });

    const failure = await client
      .request(url, { method: 'POST', json: { attempt: 2 } })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PeerRequestError);
    expect((failure as PeerRequestError).responseLost).toBe(true);
    expect((failure as PeerRequestError).message).toMatch(/could not be reached \(ECONNRESET\)/);
    expect(server.requests).toEqual(['POST /exchange HTTP/1.1', 'POST /exchange HTTP/1.1']);
  });

  it('rejects a URL that is not http or https', async () => {
    client = new PeerClient(LIMITS);

    await expect(client.request('ftp://127.0.0.1/keys')).rejects.toThrow(
      'ftp://127.0.0.1/keys is not an http or https URL, so it cannot be called.',
    );
  });
});
