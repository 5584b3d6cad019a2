import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { LoadClient, runLoad, runTasks, type LoadResult } from './load';
import { startServer, type ServerProcess } from './processes';
import { Progress } from './progress';

/** Paths and settings that every started service shares. */
export interface BenchEnvironment {
  root: string;
  /** Folder for logs, SQLite files and data folders; removed at the end. */
  workDir: string;
  /** Bundle of the Access service with the unauthenticated copy of its info route. */
  openInfoScript: string;
  algorithm: string;
  /** Superuser URL of the PostgreSQL server, when one was found. */
  postgresAdminUrl?: string;
  createPostgresDatabase(): Promise<string>;
}

/** A running jpd-access or mission-control with an admin access token. */
export interface BenchService {
  server: ServerProcess;
  apiPrefix: string;
  /** Use case that this service issues pairing tokens for. */
  useCase: string;
  adminToken: string;
}

export type BenchApp = 'jpd-access' | 'mission-control' | 'jpd-access-open-info';
export type BenchDialect = 'sqlite' | 'postgres';

const ADMIN_PASSWORD = randomBytes(18).toString('base64url');

/** Starts a service from its bundle on a new database and creates an admin access token. */
export async function startBenchService(
  bench: BenchEnvironment,
  app: BenchApp,
  dialect: BenchDialect,
  name: string,
): Promise<BenchService> {
  const dataDir = path.join(bench.workDir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  const databaseUrl =
    dialect === 'sqlite'
      ? `sqlite:${path.join(dataDir, 'service.sqlite')}`
      : await bench.createPostgresDatabase();

  const isAccess = app !== 'mission-control';
  const script =
    app === 'jpd-access-open-info'
      ? bench.openInfoScript
      : path.join(bench.root, 'dist', 'apps', app, 'main.js');
  const apiPrefix = isAccess ? '/access/api/v1' : '/mc/api/v1';
  const server = await startServer({
    name,
    script,
    readyPath: `${apiPrefix}/system/ping`,
    logDir: bench.workDir,
    env: {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      ADMIN_PASSWORD,
      SIGNING_ALGORITHM: bench.algorithm,
      // The benchmark is one client sending thousands of exchanges a minute.
      EXCHANGE_RATE_LIMIT_PER_MINUTE: '1000000',
      HEARTBEAT_INTERVAL_SECONDS: '0',
      PROBE_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'info',
    },
  });

  const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  const client = new LoadClient(server.url, 1);
  try {
    const created = await client.send({
      method: 'POST',
      path: `${apiPrefix}/tokens`,
      headers: { authorization: basic },
      json: { expires_in: 24 * 60 * 60 },
    });
    if (created.status !== 200) {
      throw new Error(`Creating an admin token at ${name} failed with HTTP ${created.status}.`);
    }
    return {
      server,
      apiPrefix,
      useCase: isAccess ? 'mission-control' : 'jpd',
      adminToken: (JSON.parse(created.body) as { access_token: string }).access_token,
    };
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    client.close();
  }
}

/**
 * Generates `count` pairing tokens through the admin API, 8 requests at a time. The tokens live
 * for a day, so none expires before the benchmark presents it.
 */
export async function generatePairingTokens(
  service: BenchService,
  count: number,
  label: string,
): Promise<string[]> {
  const tokens: string[] = new Array(count);
  const client = new LoadClient(service.server.url, 8);
  const progress = new Progress(`${label}: generating pairing tokens`, count);
  try {
    const result = await runTasks({
      concurrency: 8,
      requests: count,
      onProgress: (done) => progress.update(done),
      task: async (index) => {
        const response = await client.send({
          method: 'POST',
          path: `${service.apiPrefix}/service_trust/pairing/${service.useCase}`,
          headers: { authorization: `Bearer ${service.adminToken}` },
          json: { expires_in: 24 * 60 * 60 },
        });
        if (response.status !== 200) return undefined;
        tokens[index] = (JSON.parse(response.body) as { pairing_token: string }).pairing_token;
        return response.latencyMs;
      },
    });
    if (result.errors > 0) {
      throw new Error(`${result.errors} of ${count} pairing token requests failed at ${label}.`);
    }
    progress.done(`${count} generated at ${result.throughput.toFixed(0)}/s`);
    return tokens;
  } finally {
    client.close();
  }
}

let peerCounter = 0;

/**
 * Presents each of `tokens` once at the exchange URL, each as a different peer, as a fleet of
 * edges being enrolled would.
 */
export async function exchangeTokens(
  service: BenchService,
  tokens: string[],
  concurrency: number,
  label: string,
): Promise<LoadResult> {
  const progress = new Progress(label, tokens.length);
  const run = ++peerCounter;
  const result = await runLoad({
    baseUrl: service.server.url,
    concurrency,
    requests: tokens.length,
    expectStatus: 200,
    onProgress: (done) => progress.update(done),
    build: (index) => ({
      method: 'POST',
      path: `${service.apiPrefix}/service_trust/exchange`,
      headers: { authorization: `Bearer ${tokens[index]}` },
      json: {
        service_id: `jfmc@bench-${run}-${index}`,
        base_url: `http://edge-${run}-${index}.bench.test`,
        name: `edge ${index}`,
      },
    }),
  });
  progress.done(describe(result));
  return result;
}

/** Generates `count` tokens and exchanges them, for the memory benchmark; returns the load result. */
export async function generateAndExchange(
  service: BenchService,
  count: number,
  concurrency: number,
  label: string,
): Promise<LoadResult> {
  const tokens = await generatePairingTokens(service, count, label);
  return exchangeTokens(service, tokens, concurrency, `${label}: exchanging`);
}

/** Formats a load result as one line of progress output. */
export function describe(result: LoadResult): string {
  return (
    `${result.requests} requests, ${result.throughput.toFixed(0)}/s, ` +
    `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.errors} errors`
  );
}
