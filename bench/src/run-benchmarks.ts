import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  createTestDatabase,
  POSTGRES_ADMIN_URL_VARIABLE,
  startTestPostgres,
} from '@service-trust/server/testing';

import { measureCryptoLimit, type CryptoLimit } from './crypto-limit';
import {
  benchmarkAuthentication,
  benchmarkEmptyRoute,
  benchmarkExchange,
  benchmarkHandshake,
  benchmarkMemory,
  benchmarkPeer,
  type AuthMeasurement,
  type BenchSettings,
  type Measurement,
  type MemoryMeasurement,
} from './scenarios';
import type { BenchDialect, BenchEnvironment } from './services';

/** Sizes of `npm run bench`, 7 to 15 minutes on two cores, depending on their other load. */
export const FULL_SETTINGS: BenchSettings = {
  concurrencies: [1, 16, 64],
  exchanges: 2_000,
  warmup: 500,
  routeDurationMs: 4_000,
  handshakeConcurrencies: [1, 16],
  handshakeOnPostgres: true,
  handshakes: 640,
  memoryExchanges: 100_000,
  memoryBatch: 10_000,
  cryptoDurationMs: 3_000,
};

/** Tiny sizes that run every scenario in seconds, for the smoke test. */
export const SMOKE_SETTINGS: BenchSettings = {
  concurrencies: [1, 2],
  exchanges: 20,
  warmup: 10,
  routeDurationMs: 200,
  handshakeConcurrencies: [2],
  // Each handshake run starts a process per client; one database keeps the smoke test short.
  handshakeOnPostgres: false,
  handshakes: 4,
  memoryExchanges: 20,
  memoryBatch: 10,
  cryptoDurationMs: 100,
};

/** The machine the benchmark ran on. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  /** One-minute load averages at the start and the end of the run, to show other work on the machine. */
  loadAverage: { start: number; end: number };
}

/** Everything one run measured. */
export interface BenchResults {
  startedAt: Date;
  finishedAt: Date;
  machine: Machine;
  settings: BenchSettings;
  algorithm: string;
  dialects: BenchDialect[];
  postgres: { source?: string; reasons: string[] };
  crypto: CryptoLimit;
  exchange: Measurement[];
  peer: Measurement[];
  peerTokenHeader: Record<string, unknown>;
  emptyRoute: Measurement[];
  authentication: AuthMeasurement[];
  handshake: Measurement[];
  memory: MemoryMeasurement[];
}

/** Runs every benchmark with `settings` against the built bundles under `root`. */
export async function runBenchmarks(options: {
  root: string;
  settings: BenchSettings;
  openInfoScript: string;
  algorithm?: string;
  keepWorkDir?: boolean;
  /** Runs only these scenarios (exchange, peer, empty, auth, handshake, memory) when set. */
  only?: string[];
}): Promise<BenchResults> {
  const wanted = (scenario: string) => !options.only || options.only.includes(scenario);
  const { settings } = options;
  const startedAt = new Date();
  const startLoad = os.loadavg()[0];
  const algorithm = options.algorithm ?? 'ES256';
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-trust-bench-'));
  process.stderr.write(`Benchmark logs and data: ${workDir}\n`);

  const { server: postgres, reasons } = await startTestPostgres();
  if (!postgres && process.env.REQUIRE_POSTGRES === '1') {
    throw new Error(
      `REQUIRE_POSTGRES=1 is set and no PostgreSQL server was found: ${reasons.join('; ')}`,
    );
  }
  if (!postgres)
    process.stderr.write(`No PostgreSQL server; its rows are skipped: ${reasons.join('; ')}\n`);
  const dialects: BenchDialect[] = postgres ? ['sqlite', 'postgres'] : ['sqlite'];
  if (postgres) process.env[POSTGRES_ADMIN_URL_VARIABLE] = postgres.adminUrl;

  const drops: Array<() => Promise<void>> = [];
  const bench: BenchEnvironment = {
    root: options.root,
    workDir,
    openInfoScript: options.openInfoScript,
    algorithm,
    postgresAdminUrl: postgres?.adminUrl,
    createPostgresDatabase: async () => {
      const database = await createTestDatabase('postgres', workDir);
      drops.push(database.drop);
      return database.url;
    },
  };

  try {
    process.stderr.write(`jose ${algorithm} sign and verify\n`);
    const crypto = await measureCryptoLimit(algorithm, settings.cryptoDurationMs);

    process.stderr.write('Exchange endpoint\n');
    const exchange = [];
    for (const dialect of wanted('exchange') ? dialects : []) {
      exchange.push(...(await benchmarkExchange(bench, settings, dialect)));
    }

    process.stderr.write('Peer: oidc-provider, client credentials grant\n');
    const peer = wanted('peer')
      ? await benchmarkPeer(bench, settings)
      : { measurements: [], accessTokenHeader: {} };

    process.stderr.write('Ceiling: empty Express route\n');
    const emptyRoute = wanted('empty') ? await benchmarkEmptyRoute(bench, settings) : [];

    process.stderr.write('Master token authentication\n');
    const authentication = [];
    for (const dialect of wanted('auth') ? dialects : []) {
      authentication.push(...(await benchmarkAuthentication(bench, settings, dialect)));
    }

    process.stderr.write('Handshake through Mission Control\n');
    const handshake = [];
    const handshakeDialects = settings.handshakeOnPostgres ? dialects : ['sqlite' as const];
    for (const dialect of wanted('handshake') ? handshakeDialects : []) {
      for (const concurrency of settings.handshakeConcurrencies) {
        handshake.push(await benchmarkHandshake(bench, settings, dialect, concurrency));
      }
    }

    // The two services are measured at the same time, which halves the longest part of the run.
    process.stderr.write('Memory\n');
    const memory = wanted('memory')
      ? await Promise.all([
          benchmarkMemory(bench, settings, 'jpd-access'),
          benchmarkMemory(bench, settings, 'mission-control'),
        ])
      : [];

    return {
      startedAt,
      finishedAt: new Date(),
      machine: describeMachine(startLoad),
      settings,
      algorithm,
      dialects,
      postgres: { source: postgres?.source, reasons },
      crypto,
      exchange,
      peer: peer.measurements,
      peerTokenHeader: peer.accessTokenHeader,
      emptyRoute,
      authentication,
      handshake,
      memory,
    };
  } finally {
    for (const drop of drops) await drop().catch(() => undefined);
    await postgres?.stop();
    if (!options.keepWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function describeMachine(startLoad: number): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: startLoad, end: os.loadavg()[0] },
  };
}
