import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { basicAuth, makeTempDir, removeDir, requestJson } from '@service-trust/server/testing';

import { startBuiltService, type ServiceProcess } from './processes';

const root = path.resolve(__dirname, '..', '..', '..');
const APPS = ['jpd-access', 'mission-control'] as const;
const ADMIN_PASSWORD = 'separate-deploy-admin';

/**
 * Packs the workspace's compiled better-sqlite3 addon as a local prebuild, the archive that
 * better-sqlite3's install step (prebuild-install) looks for before it downloads or compiles.
 * Returns the folder, or undefined when the bundle locks another version, in which case the
 * install compiles the addon from source.
 *
 * NOTE: this machine cannot download prebuilt binaries, and compiling the addon takes minutes
 * here, so the local prebuild keeps the install inside the test time budget. It is built from the
 * same version of the same source for the same Node.js ABI.
 */
function packLocalPrebuild(dir: string, lockedVersion: string): string | undefined {
  const packageDir = path.join(root, 'node_modules', 'better-sqlite3');
  const version = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'))
    .version as string;
  const addon = path.join('build', 'Release', 'better_sqlite3.node');
  if (version !== lockedVersion || !fs.existsSync(path.join(packageDir, addon))) return undefined;

  const folder = path.join(dir, 'prebuilds');
  fs.mkdirSync(folder);
  const { modules: abi } = process.versions;
  const name = `better-sqlite3-v${version}-node-v${abi}-${process.platform}-${process.arch}.tar.gz`;
  const packed = spawnSync('tar', ['-czf', path.join(folder, name), '-C', packageDir, addon]);
  if (packed.status !== 0) throw new Error(`Packing the addon failed: ${packed.stderr}`);
  return folder;
}

/** Copies a built bundle into its own folder and runs a production install there. */
async function installBundle(app: string, dir: string, prebuilds?: string): Promise<string> {
  const target = path.join(dir, app);
  fs.cpSync(path.join(root, 'dist', 'apps', app), target, { recursive: true });

  const child = spawn('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: target,
    env: {
      ...process.env,
      ...(prebuilds && { npm_config_better_sqlite3_local_prebuilds: prebuilds }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`npm ci in ${target} exited with ${code}:\n${output}`);
  return target;
}

describe('separate deploys', () => {
  const dir = makeTempDir('separate-deploys');
  const running: ServiceProcess[] = [];

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    removeDir(dir);
  });

  it('each bundle installs and runs alone', async () => {
    const lock = (app: string) =>
      JSON.parse(
        fs.readFileSync(path.join(root, 'dist', 'apps', app, 'package-lock.json'), 'utf8'),
      );
    const lockedVersion = lock('jpd-access').packages['node_modules/better-sqlite3'].version;
    const prebuilds = packLocalPrebuild(dir, lockedVersion);
    const folders = await Promise.all(APPS.map((app) => installBundle(app, dir, prebuilds)));

    for (const [index, app] of APPS.entries()) {
      const installed = fs.readdirSync(path.join(folders[index], 'node_modules'));
      const manifest = JSON.parse(
        fs.readFileSync(path.join(folders[index], 'package.json'), 'utf8'),
      );
      expect(manifest.devDependencies).toBeUndefined();
      expect(Object.keys(manifest.dependencies)).toContain('express');
      // Development tools of the workspace stay out of a production install.
      for (const tool of ['jest', 'nx', 'typescript', 'esbuild'])
        expect(installed).not.toContain(tool);
      expect(lock(app).packages['node_modules/better-sqlite3'].version).toBe(lockedVersion);
    }

    const env = (name: string) => ({
      ADMIN_PASSWORD,
      DATA_DIR: path.join(dir, `${name}-data`),
      PROBE_INTERVAL_SECONDS: '0',
    });
    const jpd = await startBuiltService('jpd-access', env('jpd'), folders[0]);
    running.push(jpd);
    const mc = await startBuiltService('mission-control', env('mc'), folders[1]);
    running.push(mc);
    const admin = basicAuth('admin', ADMIN_PASSWORD);

    const pairing = await requestJson(
      `${jpd.url}/access/api/v1/service_trust/pairing/mission-control`,
      { method: 'POST', authorization: admin, json: { two_way: true } },
    );
    const added = await requestJson(`${mc.url}/mc/api/v1/jpds`, {
      method: 'POST',
      authorization: admin,
      json: { name: 'separate', url: jpd.url, token: pairing.body.pairing_token },
    });

    expect(pairing.status).toBe(200);
    expect(added.status).toBe(201);
    expect(added.body.status.code).toBe('ONLINE');
    expect(added.body.trust).toBe('TWO_WAY');
    // Both run on the embedded SQLite default, so each loaded its own installed addon.
    expect(jpd.output.join('\n')).toContain('"database":"better-sqlite3"');
  }, 300_000);
});
