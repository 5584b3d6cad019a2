import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  basicAuth,
  freePort,
  makeTempDir,
  removeDir,
  requestJson,
} from '@service-trust/server/testing';

import { startBuiltService, type ServiceProcess } from './processes';

const ADMIN_PASSWORD = 'graceful-shutdown-admin';

/**
 * Starts an HTTP relay to `targetPort` that delays every response until `release` is called, so
 * that a request to a service behind it stays in flight for as long as a test needs.
 */
async function startHoldingRelay(targetPort: number) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let firstRequest: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => (firstRequest = resolve));

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      firstRequest();
      const upstream = await fetch(`http://127.0.0.1:${targetPort}${req.url}`, {
        method: req.method,
        headers: { ...(req.headers as Record<string, string>), connection: 'close' },
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        redirect: 'manual',
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      await released;
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    release,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const waitForLine = async (service: ServiceProcess, text: string) => {
  const deadline = Date.now() + 10_000;
  while (!service.output.some((line) => line.includes(text))) {
    if (Date.now() > deadline) throw new Error(`No log line contains ${JSON.stringify(text)}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('graceful shutdown', () => {
  const dir = makeTempDir('graceful-shutdown');
  const running: ServiceProcess[] = [];
  let relay: Awaited<ReturnType<typeof startHoldingRelay>> | undefined;

  afterAll(async () => {
    relay?.release();
    await relay?.close();
    await Promise.all(running.map((service) => service.stop()));
    removeDir(dir);
  });

  it('SIGTERM lets a request in flight complete', async () => {
    const jpdPort = await freePort();
    relay = await startHoldingRelay(jpdPort);
    const common = { ADMIN_PASSWORD, PROBE_INTERVAL_SECONDS: '0' };
    const jpd = await startBuiltService('jpd-access', {
      ...common,
      PORT: String(jpdPort),
      BASE_URL: relay.url,
      DATA_DIR: `${dir}/jpd`,
    });
    running.push(jpd);
    const mc = await startBuiltService('mission-control', { ...common, DATA_DIR: `${dir}/mc` });
    running.push(mc);
    const admin = basicAuth('admin', ADMIN_PASSWORD);
    const exited = new Promise<number | null>((resolve) => mc.child.once('exit', resolve));

    const pairing = await requestJson(
      `http://127.0.0.1:${jpdPort}/access/api/v1/service_trust/pairing/mission-control`,
      { method: 'POST', authorization: admin },
    );
    // Mission Control fetches the JPD's keys through the relay, which delays the response.
    const adding = requestJson(`${mc.url}/mc/api/v1/jpds`, {
      method: 'POST',
      authorization: admin,
      json: { name: 'in-flight', url: relay.url, token: pairing.body.pairing_token },
    });
    await relay.requested;
    mc.child.kill('SIGTERM');
    await waitForLine(mc, '"msg":"stopping"');
    const refused = await fetch(`${mc.url}/healthz`).then(
      () => 'accepted',
      () => 'refused',
    );
    relay.release();
    const added = await adding;
    const exitCode = await exited;

    expect(pairing.status).toBe(200);
    expect(refused).toBe('refused');
    expect(added.status).toBe(201);
    expect(added.body.status.code).toBe('ONLINE');
    expect(added.headers.get('connection')).toBe('close');
    expect(exitCode).toBe(0);
    expect(mc.output.some((line) => line.includes('"msg":"service stopped"'))).toBe(true);
  });
});
