// Starts a throwaway PostgreSQL cluster from the local server binaries, for `npm run platform`.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import pg from 'pg';

/** Returns the folder of the newest local PostgreSQL binaries (POSTGRES_BIN first), or throws. */
export function findPostgresBinaries(env = process.env) {
  const candidates = [];
  if (env.POSTGRES_BIN) candidates.push(env.POSTGRES_BIN);
  const debianRoot = '/usr/lib/postgresql';
  if (fs.existsSync(debianRoot)) {
    const versions = fs.readdirSync(debianRoot).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join(debianRoot, version, 'bin')));
  }
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) candidates.push(path.dirname(onPath));

  const found = candidates.find(
    (dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')),
  );
  if (!found) {
    throw new Error(
      'initdb and pg_ctl were not found. Install the postgresql package (scripts/install-postgres.sh does) or set POSTGRES_BIN.',
    );
  }
  return found;
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Creates and starts a cluster in `folder` listening on 127.0.0.1 only, with trust
 * authentication, so it suits a local platform and nothing else. PostgreSQL does not run as
 * root, so under root the cluster belongs to the postgres user. Returns its superuser URL and a
 * function that stops it.
 */
export async function startCluster(folder, port) {
  const bin = findPostgresBinaries();
  const dataDir = path.join(folder, 'data');
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    fs.chmodSync(folder, 0o755);
    execFileSync('chown', ['postgres:', folder]);
  }
  const run = (command, args) => {
    const [file, argv] = isRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]]
      : [path.join(bin, command), args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: folder });
  };

  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8']);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${folder}`,
  ];
  run('pg_ctl', [
    '-D',
    dataDir,
    '-o',
    options.join(' '),
    '-l',
    path.join(folder, 'server.log'),
    '-w',
    '-t',
    '30',
    'start',
  ]);

  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']),
  };
}

/**
 * Creates a role and a database of the same name owned by it, as an operator would give each
 * service its own database. Returns the service's connection URL.
 */
export async function createServiceDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE ROLE ${name} LOGIN`);
    await client.query(`CREATE DATABASE ${name} OWNER ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.username = name;
  url.pathname = `/${name}`;
  return url.toString();
}
