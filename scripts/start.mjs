// `npm start`: builds both services and runs them on the embedded SQLite default.
import path from 'node:path';

import { build, root, startAll, stopAll, waitUntilUp } from './lib/services.mjs';

const dataRoot = path.resolve(root, process.env.DATA_DIR ?? '.data');

console.log('Building jpd-access and mission-control…');
build();

const services = startAll({ dataRoot });
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await stopAll(services);
  process.exit(code);
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
for (const service of services) {
  service.child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${service.app} exited with code ${code}; stopping.`);
      stop(1);
    }
  });
}

try {
  await Promise.all(services.map((s) => waitUntilUp(`${s.localUrl}${s.ping}`, 30_000, s.child)));
} catch (error) {
  console.error(error.message);
  await stop(1);
}

const passwordSource = process.env.ADMIN_PASSWORD
  ? 'ADMIN_PASSWORD'
  : services.map((s) => path.join(s.dataDir, 'admin.password')).join(' and ');
console.log(`
Both services are running. Press Ctrl+C to stop them.

  JPD Access        ${services[0].url}/access/api/v1/system/ping
  Mission Control   ${services[1].url}/mc/api/v1/system/ping
  Admin pages       ${services[0].url}/ui/ and ${services[1].url}/ui/

  Admin user: admin, password from ${passwordSource}
  Data:       ${dataRoot}

Walk through the pairing handshake in another terminal with: npm run demo
`);
