import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { basicAuth, freePort, requestJson, testDialects } from '@service-trust/server/testing';

const root = path.resolve(__dirname, '..', '..', '..');
const ADMIN_PASSWORD = 'platform-admin-password';

/** Waits until the platform has written `marker`; rejects when it exits first or after 60 s. */
function waitForOutput(output: string[], child: ReturnType<typeof spawn>, marker: string) {
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const check = () => {
      if (output.join('').includes(marker)) return resolve();
      if (child.exitCode !== null || Date.now() > deadline) {
        return reject(new Error(`The platform did not start:\n${output.join('')}`));
      }
      setTimeout(check, 100);
    };
    check();
  });
}

// The platform needs the local PostgreSQL binaries, as the PostgreSQL suites do.
const withPostgres = testDialects().includes('postgres') ? describe : describe.skip;

withPostgres('npm run platform', () => {
  it('runs the handshake on its own PostgreSQL', async () => {
    const [jpdPort, mcPort] = [await freePort(), await freePort()];
    // The Nx target of this suite builds both apps first, so the platform skips its build.
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'platform.mjs')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        ADMIN_PASSWORD,
        PLATFORM_SKIP_BUILD: '1',
        JPD_ACCESS_PORT: String(jpdPort),
        MISSION_CONTROL_PORT: String(mcPort),
        PROBE_INTERVAL_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    try {
      await waitForOutput(output, child, 'The platform is running');
      const admin = basicAuth('admin', ADMIN_PASSWORD);
      const jpdUrl = `http://localhost:${jpdPort}`;

      const pairing = await requestJson(
        `${jpdUrl}/access/api/v1/service_trust/pairing/mission-control`,
        { method: 'POST', authorization: admin, json: { two_way: true } },
      );
      const added = await requestJson(`http://localhost:${mcPort}/mc/api/v1/jpds`, {
        method: 'POST',
        authorization: admin,
        json: { name: 'platform', url: jpdUrl, token: pairing.body.pairing_token },
      });

      const text = output.join('');
      const databases = [...text.matchAll(/database (postgres:\/\/\S+)/g)].map((m) => m[1]);
      expect(pairing.status).toBe(200);
      expect(added.status).toBe(201);
      expect(added.body.status.code).toBe('ONLINE');
      expect(added.body.trust).toBe('TWO_WAY');
      expect(text).toMatch(/\[jpd-access\] INFO service started .*database=postgres/);
      expect(text).toMatch(/\[mission-control\] INFO service started .*database=postgres/);
      expect(databases).toHaveLength(2);
      expect(new URL(databases[0]).pathname).toBe('/jpd_access');
      expect(new URL(databases[1]).pathname).toBe('/mission_control');
    } finally {
      child.kill('SIGTERM');
    }

    const exitCode = await exited;
    const clusterFolder = /\(throwaway, in (\S+)\)/.exec(output.join(''))?.[1];
    expect(exitCode).toBe(0);
    expect(clusterFolder).toBeDefined();
    expect(fs.existsSync(clusterFolder!)).toBe(false);
    expect(output.join('')).toContain('Platform stopped');
  });
});
