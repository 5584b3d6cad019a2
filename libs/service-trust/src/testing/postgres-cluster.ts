import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './index';

/** A PostgreSQL server for tests, with a superuser URL and a way to stop it. */
export interface TestPostgres {
  /** Superuser URL of the `postgres` database, used to create one database per test. */
  adminUrl: string;
  /** Source of the server, for the test log. */
  source: 'TEST_DATABASE_URL' | 'testcontainers' | 'local binaries';
  stop(): Promise<void>;
}

/**
 * Finds a PostgreSQL server for tests, taking the first that works: `TEST_DATABASE_URL`, a
 * Testcontainers container where a container runtime responds, or a throwaway cluster started
 * from the local PostgreSQL binaries. Returns undefined with the reasons when none works.
 */
export async function startTestPostgres(): Promise<{ server?: TestPostgres; reasons: string[] }> {
  const reasons: string[] = [];

  if (process.env.TEST_DATABASE_URL) {
    return {
      server: {
        adminUrl: process.env.TEST_DATABASE_URL,
        source: 'TEST_DATABASE_URL',
        stop: async () => undefined,
      },
      reasons,
    };
  }
  reasons.push('TEST_DATABASE_URL is not set');

  try {
    return { server: await startContainer(), reasons };
  } catch (error) {
    reasons.push(`Testcontainers: ${firstLine(error)}`);
  }

  try {
    return { server: await startLocalCluster(), reasons };
  } catch (error) {
    reasons.push(`local binaries: ${firstLine(error)}`);
  }
  return { reasons };
}

/**
 * Test-only packages, imported by a computed name: Nx lists every package that a project imports
 * in the package.json of a built app, and these must not become runtime dependencies.
 */
const TESTCONTAINERS = ['testcontainers', '@testcontainers/postgresql'] as const;

async function startContainer(): Promise<TestPostgres> {
  const runtime = (await import(TESTCONTAINERS[0])) as {
    getContainerRuntimeClient(): Promise<unknown>;
  };
  await runtime.getContainerRuntimeClient();

  const postgres = (await import(TESTCONTAINERS[1])) as {
    PostgreSqlContainer: new (image: string) => {
      start(): Promise<{ getConnectionUri(): string; stop(): Promise<unknown> }>;
    };
  };
  const container = await new postgres.PostgreSqlContainer('postgres:15-alpine').start();
  const url = new URL(container.getConnectionUri());
  url.pathname = '/postgres';
  return {
    adminUrl: url.toString(),
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/** Returns the folder of the newest local PostgreSQL binaries, or throws. */
export function findPostgresBinaries(): string {
  const candidates: string[] = [];
  if (process.env.POSTGRES_BIN) candidates.push(process.env.POSTGRES_BIN);
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
  if (!found) throw new Error('initdb and pg_ctl were not found (install the postgresql package)');
  return found;
}

async function startLocalCluster(): Promise<TestPostgres> {
  const bin = findPostgresBinaries();
  const port = await freePort();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'service-trust-pg-'));
  const dataDir = path.join(root, 'data');
  const isRoot = process.getuid?.() === 0;

  // PostgreSQL refuses to run as root, so the cluster belongs to the postgres user then.
  if (isRoot) {
    fs.chmodSync(root, 0o755);
    execFileSync('chown', ['postgres:', root]);
  }
  const run = (command: string, args: string[]) => {
    const [file, argv] = isRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]]
      : [path.join(bin, command), args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  };

  run('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-instructions',
  ]);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${root}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ');
  run('pg_ctl', [
    '-D',
    dataDir,
    '-o',
    options,
    '-l',
    path.join(root, 'server.log'),
    '-w',
    '-t',
    '30',
    'start',
  ]);

  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    source: 'local binaries',
    stop: async () => {
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
