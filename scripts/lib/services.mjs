// Builds and starts both services as child processes, for `npm start` and `npm run demo`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The two services: app folder, environment prefix, default port and API prefix. */
export const SERVICES = [
  {
    app: 'jpd-access',
    envPrefix: 'JPD_ACCESS',
    defaultPort: 8040,
    ping: '/access/api/v1/system/ping',
  },
  {
    app: 'mission-control',
    envPrefix: 'MISSION_CONTROL',
    defaultPort: 8080,
    ping: '/mc/api/v1/system/ping',
  },
];

/** Builds both apps with Nx; a build that is up to date comes from Nx's local cache. */
export function build() {
  const nx = path.join(root, 'node_modules', '.bin', 'nx');
  const result = spawnSync(
    nx,
    ['run-many', '-t', 'build', '-p', 'jpd-access', 'mission-control', '--output-style=static'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NX_NO_CLOUD: 'true' },
    },
  );
  if (result.status !== 0)
    throw new Error('Building the services failed; run "npx nx run-many -t build" to see why.');
}

const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set([
  'level',
  'time',
  'service',
  'name',
  'serviceId',
  'msg',
  'pid',
  'hostname',
  'reqId',
]);

/** Turns one pino JSON line into a short line for a terminal. */
function formatLine(app, line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return `[${app}] ${line}`;
  }
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
  return `[${app}] ${LEVELS[entry.level] ?? entry.level} ${entry.msg}${fields ? `  ${fields}` : ''}`;
}

/**
 * Starts both services with their data under `dataRoot/<app>`. Returns each service's URL, data
 * folder and child process.
 */
export function startAll({
  dataRoot,
  ports = {},
  env = process.env,
  log = (line) => console.log(line),
}) {
  return SERVICES.map((service) => {
    const port =
      ports[service.app] ?? Number(env[`${service.envPrefix}_PORT`] ?? service.defaultPort);
    const dataDir = path.resolve(dataRoot, service.app);
    fs.mkdirSync(dataDir, { recursive: true });

    const childEnv = {
      // A local platform listens on loopback only, unless HOST is set.
      HOST: '127.0.0.1',
      ...env,
      PORT: String(port),
      DATA_DIR: dataDir,
      BASE_URL: env[`${service.envPrefix}_BASE_URL`] ?? `http://localhost:${port}`,
    };
    const databaseUrl = env[`${service.envPrefix}_DATABASE_URL`];
    if (databaseUrl) childEnv.DATABASE_URL = databaseUrl;
    else delete childEnv.DATABASE_URL;

    const child = spawn(
      process.execPath,
      [path.join(root, 'dist', 'apps', service.app, 'main.js')],
      {
        cwd: root,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) if (line.trim()) log(formatLine(service.app, line));
      });
    }
    return {
      ...service,
      port,
      url: childEnv.BASE_URL,
      localUrl: `http://127.0.0.1:${port}`,
      dataDir,
      child,
    };
  });
}

/** Waits until `url` responds with 200, or throws after `timeoutMs`. */
export async function waitUntilUp(url, timeoutMs = 20_000, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`The service behind ${url} exited with code ${child.exitCode}.`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not respond within ${timeoutMs} ms.`);
}

/** Stops the child processes with SIGTERM and waits for them to exit. */
export async function stopAll(services) {
  await Promise.all(
    services.map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Returns the admin password: ADMIN_PASSWORD, or the file a service generated in its data folder. */
export function adminPassword(dataDir, env = process.env) {
  if (env.ADMIN_PASSWORD) return env.ADMIN_PASSWORD;
  return fs.readFileSync(path.join(dataDir, 'admin.password'), 'utf8').trim();
}
