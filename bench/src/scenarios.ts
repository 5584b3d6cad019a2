import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { LoadClient, runLoad, runTasks, type LoadResult } from './load';
import { cpuMilliseconds, residentBytes, startServer, type ServerProcess } from './processes';
import { Progress } from './progress';
import {
  describe,
  exchangeTokens,
  generateAndExchange,
  generatePairingTokens,
  startBenchService,
  type BenchDialect,
  type BenchEnvironment,
  type BenchService,
} from './services';

/** Sizes of one benchmark run. */
export interface BenchSettings {
  concurrencies: number[];
  /** Exchanges per concurrency and database, and token requests to the peer per concurrency. */
  exchanges: number;
  /** Exchanges before the measured ones, so that the JIT and caches have settled. */
  warmup: number;
  /** Length of each measured run of a route that needs no state, in milliseconds. */
  routeDurationMs: number;
  handshakeConcurrencies: number[];
  /** Runs the handshake on PostgreSQL too, when a server was found. */
  handshakeOnPostgres: boolean;
  /** Handshakes per concurrency. */
  handshakes: number;
  /** Exchanges between the two memory readings of each service. */
  memoryExchanges: number;
  /** Exchanges per memory batch: tokens are generated for one batch, then exchanged. */
  memoryBatch: number;
  /** Length of each jose measurement, in milliseconds. */
  cryptoDurationMs: number;
}

/** One measured load at one concurrency. */
export interface Measurement {
  dialect?: BenchDialect;
  concurrency: number;
  result: LoadResult;
  /** CPU milliseconds per request of each process group, where `/proc` could be read. */
  cpu?: CpuShare[];
}

/** CPU time that one group of processes spent per request of a measured run. */
export interface CpuShare {
  processes: string;
  msPerRequest: number;
}

export interface AuthMeasurement {
  dialect: BenchDialect;
  concurrency: number;
  authenticated: LoadResult;
  open: LoadResult;
}

export interface MemoryMeasurement {
  service: string;
  dialect: BenchDialect;
  exchanges: number;
  beforeBytes: number;
  afterBytes: number;
  peakBytes: number;
  /** Resident memory after each batch, in order. */
  batchBytes: number[];
  result: LoadResult;
}

/** Runs a warm-up and one exchange run per concurrency on a fresh Access service. */
export async function benchmarkExchange(
  bench: BenchEnvironment,
  settings: BenchSettings,
  dialect: BenchDialect,
): Promise<Measurement[]> {
  const access = await startBenchService(bench, 'jpd-access', dialect, `exchange-${dialect}`);
  try {
    await generateAndExchange(access, settings.warmup, 16, `exchange ${dialect} warm-up`);
    const measurements: Measurement[] = [];
    for (const concurrency of settings.concurrencies) {
      const label = `exchange ${dialect} c=${concurrency}`;
      const tokens = await generatePairingTokens(access, settings.exchanges, label);
      const { result, cpu } = await measureCpu({ 'jpd-access': [access.server] }, () =>
        exchangeTokens(access, tokens, concurrency, `${label}: exchanging`),
      );
      measurements.push({ dialect, concurrency, result, cpu });
    }
    return measurements;
  } finally {
    await access.server.stop();
  }
}

/** Measures node-oidc-provider's token endpoint with the client credentials grant. */
export async function benchmarkPeer(
  bench: BenchEnvironment,
  settings: BenchSettings,
): Promise<{ measurements: Measurement[]; accessTokenHeader: Record<string, unknown> }> {
  const secret = randomBytes(24).toString('base64url');
  const peer = await startServer({
    name: 'oidc-provider',
    script: path.join(bench.root, 'bench', 'src', 'servers', 'oidc-peer.mjs'),
    readyPath: '/.well-known/openid-configuration',
    logDir: bench.workDir,
    env: { OIDC_CLIENT_SECRET: secret, SIGNING_ALGORITHM: bench.algorithm },
  });
  const request = {
    method: 'POST',
    path: '/token',
    headers: { authorization: `Basic ${Buffer.from(`bench-edge:${secret}`).toString('base64')}` },
    form: 'grant_type=client_credentials&scope=system%3Ainfo%3Ar',
  };

  try {
    const client = new LoadClient(peer.url, 1);
    const sample = await client.send(request);
    client.close();
    if (sample.status !== 200) throw new Error(`oidc-provider returned HTTP ${sample.status}.`);
    const token = (JSON.parse(sample.body) as { access_token: string }).access_token;
    const accessTokenHeader = JSON.parse(
      Buffer.from(token.split('.')[0], 'base64url').toString('utf8'),
    ) as Record<string, unknown>;

    await measure(peer.url, settings.warmup, 16, 'oidc-provider warm-up', request);
    const measurements: Measurement[] = [];
    for (const concurrency of settings.concurrencies) {
      const label = `oidc-provider token endpoint c=${concurrency}`;
      measurements.push({
        concurrency,
        result: await measure(peer.url, settings.exchanges, concurrency, label, request),
      });
    }
    return { measurements, accessTokenHeader };
  } finally {
    await peer.stop();
  }
}

/** Measures an Express route that returns an empty object, the ceiling of any Express route. */
export async function benchmarkEmptyRoute(
  bench: BenchEnvironment,
  settings: BenchSettings,
): Promise<Measurement[]> {
  const server = await startServer({
    name: 'empty-express',
    script: path.join(bench.root, 'bench', 'src', 'servers', 'empty-express.mjs'),
    readyPath: '/empty',
    logDir: bench.workDir,
    env: {},
  });
  try {
    const request = { method: 'GET', path: '/empty' };
    await measure(server.url, settings.warmup, 16, 'empty route warm-up', request);
    const measurements: Measurement[] = [];
    for (const concurrency of settings.concurrencies) {
      const label = `empty Express route c=${concurrency}`;
      const result = await measure(server.url, Infinity, concurrency, label, request, settings);
      measurements.push({ concurrency, result });
    }
    return measurements;
  } finally {
    await server.stop();
  }
}

/** Number of alternating slices in which each route of the authentication benchmark runs. */
const AUTH_SLICES = 4;

/**
 * Measures `GET /system/info` with a master token against its copy without authentication, on
 * the same Access process.
 */
export async function benchmarkAuthentication(
  bench: BenchEnvironment,
  settings: BenchSettings,
  dialect: BenchDialect,
): Promise<AuthMeasurement[]> {
  const access = await startBenchService(bench, 'jpd-access-open-info', dialect, `auth-${dialect}`);
  try {
    const masterToken = await obtainMasterToken(access);
    const authenticated = {
      method: 'GET',
      path: `${access.apiPrefix}/system/info`,
      headers: { authorization: `Bearer ${masterToken}` },
    };
    const open = { method: 'GET', path: `${access.apiPrefix}/bench/system/info` };

    // The two routes run in alternating slices (open, token, token, open, …), so that a change in
    // the machine's speed during the run affects both alike.
    const slice = { ...settings, routeDurationMs: settings.routeDurationMs / AUTH_SLICES };
    const measurements: AuthMeasurement[] = [];
    for (const concurrency of settings.concurrencies) {
      const url = access.server.url;
      const label = `${dialect} c=${concurrency}`;
      // A warm-up as long as a slice, so that both routes are warm before the timing.
      await measure(
        url,
        Infinity,
        concurrency,
        `master token ${label} warm-up`,
        authenticated,
        slice,
      );
      await measure(url, Infinity, concurrency, `no authentication ${label} warm-up`, open, slice);

      const withToken: LoadResult[] = [];
      const without: LoadResult[] = [];
      for (let index = 1; index <= AUTH_SLICES; index++) {
        const part = `${label}, slice ${index} of ${AUTH_SLICES}`;
        const runWithToken = async () =>
          withToken.push(
            await measure(url, Infinity, concurrency, `master token ${part}`, authenticated, slice),
          );
        const runWithout = async () =>
          without.push(
            await measure(url, Infinity, concurrency, `no authentication ${part}`, open, slice),
          );
        // NOTE: in trial runs, the first slice after the warm-ups was up to 30 % slower when it
        // measured the master-token route. With the open route first, neither route showed it, and
        // the cause is unknown.
        const order = index % 2 === 1 ? [runWithout, runWithToken] : [runWithToken, runWithout];
        for (const run of order) await run();
      }
      measurements.push({
        dialect,
        concurrency,
        authenticated: combine(withToken),
        open: combine(without),
      });
    }
    return measurements;
  } finally {
    await access.server.stop();
  }
}

/**
 * Measures `POST /mc/api/v1/jpds` until the JPD is ONLINE. Mission Control accepts one JPD per
 * URL, so each worker has a JPD process of its own and deletes the JPD after adding it; the
 * deletion is not in the latency but is in the throughput.
 */
export async function benchmarkHandshake(
  bench: BenchEnvironment,
  settings: BenchSettings,
  dialect: BenchDialect,
  concurrency: number,
): Promise<Measurement> {
  const label = `handshake ${dialect} c=${concurrency}`;
  const started: BenchService[] = [];
  try {
    const mc = await startBenchService(
      bench,
      'mission-control',
      dialect,
      `hs-${dialect}-${concurrency}-mc`,
    );
    started.push(mc);
    const jpds = await Promise.all(
      Array.from({ length: concurrency }, (_, index) =>
        startBenchService(
          bench,
          'jpd-access',
          dialect,
          `hs-${dialect}-${concurrency}-jpd-${index}`,
        ),
      ),
    );
    started.push(...jpds);

    // A JPD in a fleet serves many calls, but here each one takes part in only a few handshakes.
    // Without its own warm-up, a JPD would serve most of them before V8 optimised its code.
    await Promise.all(jpds.map((jpd, index) => warmUpJpd(jpd, settings, `${label} JPD ${index}`)));

    const rounds = Math.ceil(settings.handshakes / concurrency);
    const warmupRounds = Math.max(1, Math.ceil(settings.warmup / 10 / concurrency));
    const tokens = await Promise.all(
      jpds.map((jpd, index) =>
        generatePairingTokens(jpd, rounds + warmupRounds, `${label} JPD ${index}`),
      ),
    );

    const client = new LoadClient(mc.server.url, concurrency);
    const authorization = `Bearer ${mc.adminToken}`;
    const handshake =
      (token: string, jpd: BenchService) => async (): Promise<number | undefined> => {
        const added = await client.send({
          method: 'POST',
          path: '/mc/api/v1/jpds',
          headers: { authorization },
          json: { name: `bench-${randomBytes(6).toString('hex')}`, url: jpd.server.url, token },
        });
        if (added.status !== 201) return undefined;
        const body = JSON.parse(added.body) as { id: string; status: { code: string } };
        const deleted = await client.send({
          method: 'DELETE',
          path: `/mc/api/v1/jpds/${body.id}`,
          headers: { authorization },
        });
        if (deleted.status !== 204 || body.status.code !== 'ONLINE') return undefined;
        return added.latencyMs;
      };

    const run = (offset: number, count: number, progress?: Progress) =>
      runTasks({
        concurrency,
        requests: count * concurrency,
        indexPerWorker: true,
        onProgress: (done) => progress?.update(done),
        task: (index) => {
          const worker = index % concurrency;
          const round = Math.floor(index / concurrency);
          return handshake(tokens[worker][offset + round], jpds[worker])();
        },
      });

    try {
      await run(0, warmupRounds);
      const progress = new Progress(label, rounds * concurrency);
      const { result, cpu } = await measureCpu(
        { 'mission-control': [mc.server], 'jpd-access': jpds.map((jpd) => jpd.server) },
        () => run(warmupRounds, rounds, progress),
      );
      progress.done(describe(result));
      return { dialect, concurrency, result, cpu };
    } finally {
      client.close();
    }
  } finally {
    await Promise.all(started.map((service) => service.server.stop()));
  }
}

/**
 * Reads the resident memory of jpd-access and mission-control before and after
 * `settings.memoryExchanges` exchanges at each. Tokens are generated in batches just before
 * their exchange, and the memory is read after every batch for the peak.
 */
export async function benchmarkMemory(
  bench: BenchEnvironment,
  settings: BenchSettings,
  app: 'jpd-access' | 'mission-control',
): Promise<MemoryMeasurement> {
  const service = await startBenchService(bench, app, 'sqlite', `memory-${app}`);
  try {
    await generateAndExchange(service, settings.warmup, 16, `${app} memory warm-up`);
    const pid = service.server.child.pid!;
    const beforeBytes = residentBytes(pid);
    const batchBytes: number[] = [];
    const results: LoadResult[] = [];

    for (let done = 0; done < settings.memoryExchanges; done += settings.memoryBatch) {
      const count = Math.min(settings.memoryBatch, settings.memoryExchanges - done);
      const label = `${app} memory ${done + count}/${settings.memoryExchanges}`;
      results.push(await generateAndExchange(service, count, 16, label));
      batchBytes.push(residentBytes(pid));
    }

    const afterBytes = residentBytes(pid);
    return {
      service: app,
      dialect: 'sqlite',
      exchanges: settings.memoryExchanges,
      beforeBytes,
      afterBytes,
      peakBytes: Math.max(beforeBytes, afterBytes, ...batchBytes),
      batchBytes,
      result: combine(results),
    };
  } finally {
    await service.server.stop();
  }
}

/**
 * Sends a JPD the calls of a handshake without Mission Control: its keys, exchanges, and calls
 * with a master token, `settings.warmup` of each, all outside the measured time.
 */
async function warmUpJpd(jpd: BenchService, settings: BenchSettings, label: string): Promise<void> {
  await generateAndExchange(jpd, settings.warmup, 4, `${label} warm-up`);
  const masterToken = await obtainMasterToken(jpd);
  for (const request of [
    { method: 'GET', path: `${jpd.apiPrefix}/keys/jwks` },
    {
      method: 'GET',
      path: `${jpd.apiPrefix}/system/info`,
      headers: { authorization: `Bearer ${masterToken}` },
    },
  ]) {
    const result = await measure(jpd.server.url, settings.warmup, 4, `${label} warm-up`, request);
    if (result.errors > 0) {
      const log = jpd.server.logFile;
      throw new Error(`${result.errors} warm-up calls failed at ${label}; see its log in ${log}.`);
    }
  }
}

/** Exchanges one pairing token at `access` and returns the master token. */
async function obtainMasterToken(access: BenchService): Promise<string> {
  const [token] = await generatePairingTokens(access, 1, 'master token for the auth benchmark');
  const client = new LoadClient(access.server.url, 1);
  try {
    const response = await client.send({
      method: 'POST',
      path: `${access.apiPrefix}/service_trust/exchange`,
      headers: { authorization: `Bearer ${token}` },
      json: { service_id: 'jfmc@bench-auth', base_url: 'http://mc.bench.test' },
    });
    if (response.status !== 200) throw new Error(`The exchange returned HTTP ${response.status}.`);
    return (JSON.parse(response.body) as { access_token: string }).access_token;
  } finally {
    client.close();
  }
}

/**
 * Sends `request` `count` times at `concurrency`, or for `settings.routeDurationMs` when
 * settings are given, and prints its progress.
 */
async function measure(
  url: string,
  count: number,
  concurrency: number,
  label: string,
  request: Parameters<LoadClient['send']>[0],
  settings?: BenchSettings,
): Promise<LoadResult> {
  const timed = settings !== undefined;
  const progress = timed ? undefined : new Progress(label, count);
  if (timed) process.stderr.write(`  ${label}: running for ${settings.routeDurationMs} ms\n`);
  const result = await runLoad({
    baseUrl: url,
    concurrency,
    requests: count,
    durationMs: settings?.routeDurationMs,
    expectStatus: 200,
    build: () => request,
    onProgress: (done) => progress?.update(done),
  });
  if (progress) progress.done(describe(result));
  else process.stderr.write(`  ${label}: ${describe(result)}\n`);
  return result;
}

/**
 * Runs `load` and reads the CPU time that each group of `servers`, and this process as the load
 * generator, used during it. Groups whose time could not be read are left out.
 */
async function measureCpu(
  servers: Record<string, ServerProcess[]>,
  load: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; cpu: CpuShare[] }> {
  const read = (group: ServerProcess[]) => {
    const times = group.map((server) => cpuMilliseconds(server.child.pid ?? -1));
    return times.every((time) => time !== undefined)
      ? times.reduce((sum: number, time) => sum + time, 0)
      : undefined;
  };
  const before = Object.entries(servers).map(([name, group]) => [name, read(group)] as const);
  const clientBefore = process.cpuUsage();
  const result = await load();
  const client = process.cpuUsage(clientBefore);

  const cpu: CpuShare[] = [];
  for (const [name, start] of before) {
    const end = read(servers[name]);
    if (start === undefined || end === undefined) continue;
    cpu.push({ processes: name, msPerRequest: (end - start) / result.requests });
  }
  cpu.push({
    processes: 'load generator',
    msPerRequest: (client.user + client.system) / 1000 / result.requests,
  });
  const shares = cpu.map((share) => `${share.processes} ${share.msPerRequest.toFixed(2)} ms`);
  process.stderr.write(`  CPU per request: ${shares.join(', ')}\n`);
  return { result, cpu };
}

/** Adds up load results of consecutive runs; percentiles become the worst of the runs. */
function combine(results: LoadResult[]): LoadResult {
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  const seconds = results.reduce((sum, result) => sum + result.seconds, 0);
  return {
    concurrency: results[0]?.concurrency ?? 0,
    requests,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    seconds,
    throughput: requests / seconds,
    p50: Math.max(...results.map((result) => result.p50)),
    p99: Math.max(...results.map((result) => result.p99)),
  };
}
