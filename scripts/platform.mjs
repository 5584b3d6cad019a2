// `npm run platform`: the platform without containers. Starts a throwaway PostgreSQL cluster from
// the local binaries with one database per service, and both services on their default ports on
// it. Ctrl+C stops everything and deletes the cluster and the services' data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createServiceDatabase, freePort, startCluster } from './lib/postgres.mjs';
import { build, SERVICES, startAll, stopAll, waitUntilUp } from './lib/services.mjs';

// The services' data stays private to this user. The cluster gets a folder of its own because,
// when this runs as root, that folder is handed to the postgres user.
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'service-trust-platform-'));
const pgFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'service-trust-platform-pg-'));
let cluster;
let services = [];
let stopping = false;

const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await stopAll(services);
  try {
    cluster?.stop();
  } catch (error) {
    console.error(`Stopping PostgreSQL failed: ${error.message}`);
  }
  fs.rmSync(folder, { recursive: true, force: true });
  fs.rmSync(pgFolder, { recursive: true, force: true });
  console.log('Platform stopped; its databases and data were deleted.');
  process.exit(code);
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  if (process.env.PLATFORM_SKIP_BUILD !== '1') {
    console.log('Building jpd-access and mission-control…');
    build();
  }

  const pgPort = Number(process.env.PLATFORM_POSTGRES_PORT ?? (await freePort()));
  cluster = await startCluster(pgFolder, pgPort);
  const env = { ...process.env };
  for (const service of SERVICES) {
    const database = service.app.replace('-', '_');
    env[`${service.envPrefix}_DATABASE_URL`] = await createServiceDatabase(
      cluster.adminUrl,
      database,
    );
  }

  services = startAll({ dataRoot: path.join(folder, 'data'), env });
  for (const service of services) {
    service.child.on('exit', (code) => {
      if (!stopping) {
        console.error(`${service.app} exited with code ${code}; stopping the platform.`);
        stop(1);
      }
    });
  }
  await Promise.all(services.map((s) => waitUntilUp(`${s.localUrl}/readyz`, 30_000, s.child)));

  const passwordSource = process.env.ADMIN_PASSWORD
    ? 'ADMIN_PASSWORD'
    : services.map((s) => path.join(s.dataDir, 'admin.password')).join(' and ');
  console.log(`
The platform is running. Press Ctrl+C to stop it and delete its data.

  JPD Access        ${services[0].url}   database ${env.JPD_ACCESS_DATABASE_URL}
  Mission Control   ${services[1].url}   database ${env.MISSION_CONTROL_DATABASE_URL}
  PostgreSQL        ${cluster.adminUrl}   (throwaway, in ${pgFolder})

  Admin user: admin, password from ${passwordSource}
  Health: /healthz, /readyz, /metrics; API reference: /api-docs

Walk through the pairing handshake in another terminal with: npm run demo
`);
} catch (error) {
  console.error(`The platform failed to start: ${error.message}`);
  await stop(1);
}
