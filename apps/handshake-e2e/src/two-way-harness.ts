import { Writable } from 'node:stream';

import { startAccessService } from '@service-trust/jpd-access';
import { startMissionControl } from '@service-trust/mission-control';
import { createLogger, type Logger, type RunningService } from '@service-trust/server';
import {
  basicAuth,
  createTestDatabase,
  freePort,
  requestJson,
  type JsonResponse,
  type TestDatabase,
  type TestDialect,
} from '@service-trust/server/testing';

/** Admin password of every JPD that the harness starts. */
export const JPD_ADMIN_PASSWORD = 'jpd-e2e-admin-password';
/** Admin password of every Mission Control, unlike the JPD's, so neither opens the other. */
export const MC_ADMIN_PASSWORD = 'mc-e2e-admin-password';

export const jpdAdmin = basicAuth('admin', JPD_ADMIN_PASSWORD);
export const mcAdmin = basicAuth('admin', MC_ADMIN_PASSWORD);

export const JPD_API = '/access/api/v1';
export const MC_API = '/mc/api/v1';

/** A parsed JSON log line. */
export type LogEntry = Record<string, unknown> & { msg?: string };

/** A service started in this process, with the knobs that the two-way tests turn. */
export interface TestService {
  service: RunningService;
  /** Address the test sends its requests to: where the service listens. */
  url: string;
  /** The service's configured BASE_URL, which its peers use and its tokens carry. */
  baseUrl: string;
  serviceId: string;
  /** Milliseconds added to the service's clock. Tests change it while the service runs. */
  clock: { offsetMs: number };
  logs: LogEntry[];
  /** Runs `action` once, synchronously, on the first log entry that matches `predicate`. */
  onceLogged(predicate: (entry: LogEntry) => boolean, action: () => void): void;
}

/** Options of one started service. */
export interface StartOptions {
  /** Environment variables that replace the harness defaults, e.g. BASE_URL or TWO_WAY_TRUST. */
  env?: Record<string, string>;
}

/**
 * Starts JPDs and Mission Controls in this process, each with its own database of `dialect`, on
 * 127.0.0.1, with periodic heartbeats and probes turned off. `closeAll` stops them and drops
 * their databases.
 */
export function createServiceHarness(dialect: TestDialect, dir: string) {
  const running: TestService[] = [];
  const databases: TestDatabase[] = [];
  let count = 0;

  const settings = new Map<TestService, { kind: 'jpd' | 'mc'; env: Record<string, string> }>();

  async function start(kind: 'jpd' | 'mc', options: StartOptions = {}): Promise<TestService> {
    const port = await freePort();
    const database = await createTestDatabase(dialect, dir);
    databases.push(database);
    count += 1;

    return launch(kind, {
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: `${dir}/${kind}-${count}`,
      DATABASE_URL: database.url,
      ADMIN_PASSWORD: kind === 'jpd' ? JPD_ADMIN_PASSWORD : MC_ADMIN_PASSWORD,
      HEARTBEAT_INTERVAL_SECONDS: '0',
      PROBE_INTERVAL_SECONDS: '0',
      ...options.env,
    });
  }

  /** Starts a service of `kind` with exactly `env`. */
  async function launch(kind: 'jpd' | 'mc', env: Record<string, string>): Promise<TestService> {
    const clock = { offsetMs: 0 };
    const logs: LogEntry[] = [];
    const listeners: Array<(entry: LogEntry) => void> = [];
    const overrides = {
      logger: captureLogs(kind === 'jpd' ? 'jpd-access' : 'mission-control', (entry) => {
        logs.push(entry);
        for (const listener of [...listeners]) listener(entry);
      }),
      clock: () => new Date(Date.now() + clock.offsetMs),
    };
    const service =
      kind === 'jpd'
        ? await startAccessService(env, overrides)
        : await startMissionControl(env, overrides);

    const started: TestService = {
      service,
      url: `http://127.0.0.1:${service.port}`,
      baseUrl: service.context.config.BASE_URL,
      serviceId: service.context.serviceId,
      clock,
      logs,
      onceLogged(predicate, action) {
        const listener = (entry: LogEntry) => {
          if (!predicate(entry)) return;
          listeners.splice(listeners.indexOf(listener), 1);
          action();
        };
        listeners.push(listener);
      },
    };
    running.push(started);
    settings.set(started, { kind, env });
    return started;
  }

  return {
    startJpd: (options?: StartOptions) => start('jpd', options),
    startMissionControl: (options?: StartOptions) => start('mc', options),
    /** Stops `started` and starts it again on the same port, database and data folder. */
    async restart(started: TestService): Promise<TestService> {
      const { kind, env } = settings.get(started)!;
      await started.service.close();
      running.splice(running.indexOf(started), 1);
      return launch(kind, env);
    },
    async closeAll() {
      for (const started of running.splice(0).reverse()) await started.service.close();
      for (const database of databases.splice(0)) await database.drop();
    },
  };
}

/** Creates a debug-level logger that hands every entry to `onEntry`. */
function captureLogs(service: string, onEntry: (entry: LogEntry) => void): Logger {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        onEntry(JSON.parse(line) as LogEntry);
      }
      done();
    },
  });
  return createLogger({ service, level: 'debug', destination });
}

/** A pairing token as the generating endpoints return it. */
export interface IssuedPairingToken {
  pairing_token: string;
  token_id: string;
  expires_in: number;
}

/** Generates a JPD pairing token for Mission Control as the JPD's admin. */
export async function generateJpdToken(
  jpd: TestService,
  body: { two_way?: boolean; expires_in?: number } = {},
): Promise<IssuedPairingToken> {
  const response = await requestJson(`${jpd.url}${JPD_API}/service_trust/pairing/mission-control`, {
    method: 'POST',
    authorization: jpdAdmin,
    json: body,
  });
  expect(response.status).toBe(200);
  return response.body as IssuedPairingToken;
}

/** Generates a Mission Control pairing token for a JPD as Mission Control's admin. */
export async function generateMcToken(mc: TestService): Promise<IssuedPairingToken> {
  const response = await requestJson(`${mc.url}${MC_API}/service_trust/pairing/jpd`, {
    method: 'POST',
    authorization: mcAdmin,
  });
  expect(response.status).toBe(200);
  return response.body as IssuedPairingToken;
}

/** Adds `jpd` to `mc` under `name` with a JPD pairing token. */
export function addJpd(mc: TestService, jpd: TestService, name: string, token: string) {
  return requestJson(`${mc.url}${MC_API}/jpds`, {
    method: 'POST',
    authorization: mcAdmin,
    json: { name, url: jpd.baseUrl, token, tags: ['two-way'] },
  });
}

/** Adds `jpd` to `mc` with a new two-way token and checks that the add succeeded. */
export async function addJpdTwoWay(mc: TestService, jpd: TestService, name = 'two-way') {
  const { pairing_token: token } = await generateJpdToken(jpd, { two_way: true });
  const added = await addJpd(mc, jpd, name, token);
  expect(added.status).toBe(201);
  expectNoTokenText(added.body);
  return added.body as JpdView;
}

/** Adds `jpd` to `mc` with a new one-way token and checks that the add succeeded. */
export async function addJpdOneWay(mc: TestService, jpd: TestService, name = 'one-way') {
  const { pairing_token: token } = await generateJpdToken(jpd);
  const added = await addJpd(mc, jpd, name, token);
  expect(added.status).toBe(201);
  expectNoTokenText(added.body);
  return added.body as JpdView;
}

/** A JPD as Mission Control's API returns it. */
export interface JpdView {
  id: string;
  url: string;
  service_id: string;
  status: { code: string; message: string };
  trust: 'ONE_WAY' | 'TWO_WAY';
  two_way: { status: 'NONE' | 'ESTABLISHED' | 'FAILED'; message?: string };
  last_heartbeat_at?: string;
}

/** A pairing as either service's `GET /service_trust/pairings` returns it. */
export interface PairingView {
  trust: 'ONE_WAY' | 'TWO_WAY';
  id: string;
  use_case: string;
  service_id: string;
  base_url: string;
  status: 'active' | 'revoked';
  master_token_id: string;
  reverse?: {
    service_id: string;
    status: 'active' | 'unauthorized';
    token_id: string;
    last_heartbeat_at?: string;
    last_error?: string;
  };
}

export async function getJpd(mc: TestService, id: string): Promise<JpdView> {
  const response = await requestJson(`${mc.url}${MC_API}/jpds/${id}`, { authorization: mcAdmin });
  expect(response.status).toBe(200);
  expectNoTokenText(response.body);
  return response.body as JpdView;
}

export async function listJpds(mc: TestService): Promise<JpdView[]> {
  const response = await requestJson(`${mc.url}${MC_API}/jpds`, { authorization: mcAdmin });
  expect(response.status).toBe(200);
  expectNoTokenText(response.body);
  return response.body as JpdView[];
}

/** Probes a JPD now and returns its status code. */
export async function probe(mc: TestService, id: string): Promise<string> {
  const response = await requestJson(`${mc.url}${MC_API}/jpds/${id}/probe`, {
    method: 'POST',
    authorization: mcAdmin,
  });
  expect(response.status).toBe(200);
  return (response.body as JpdView).status.code;
}

/** Asks Mission Control to call the JPD's pairing URL again. */
export function retryTwoWay(mc: TestService, id: string): Promise<JsonResponse> {
  return requestJson(`${mc.url}${MC_API}/jpds/${id}/two_way`, {
    method: 'POST',
    authorization: mcAdmin,
  });
}

export async function jpdPairings(jpd: TestService): Promise<PairingView[]> {
  const response = await requestJson(`${jpd.url}${JPD_API}/service_trust/pairings`, {
    authorization: jpdAdmin,
  });
  expect(response.status).toBe(200);
  expectNoTokenText(response.body);
  return response.body.pairings as PairingView[];
}

export async function mcPairings(mc: TestService): Promise<PairingView[]> {
  const response = await requestJson(`${mc.url}${MC_API}/service_trust/pairings`, {
    authorization: mcAdmin,
  });
  expect(response.status).toBe(200);
  expectNoTokenText(response.body);
  return response.body.pairings as PairingView[];
}

/** Returns the JPD's active pairing with the Mission Control at `mcBaseUrl`. */
export async function activeJpdPairingWith(
  jpd: TestService,
  mcBaseUrl: string,
): Promise<PairingView> {
  const active = (await jpdPairings(jpd)).filter(
    (pairing) => pairing.base_url === mcBaseUrl && pairing.status === 'active',
  );
  expect(active).toHaveLength(1);
  return active[0];
}

/** One heartbeat outcome as `POST /service_trust/heartbeat` returns it. */
export interface HeartbeatView {
  base_url: string;
  ok: boolean;
  status?: number;
  error?: string;
}

/** Makes the JPD send its heartbeats now. */
export async function sendHeartbeats(jpd: TestService): Promise<HeartbeatView[]> {
  const response = await requestJson(`${jpd.url}${JPD_API}/service_trust/heartbeat`, {
    method: 'POST',
    authorization: jpdAdmin,
  });
  expect(response.status).toBe(200);
  expectNoTokenText(response.body);
  return response.body.heartbeats as HeartbeatView[];
}

/** Sends a pairing token to the JPD's pairing URL with `authorization`, if any. */
export function putPeerToken(jpd: TestService, pairingToken: string, authorization?: string) {
  return requestJson(`${jpd.url}${JPD_API}/service_trust/pairing/mission-control`, {
    method: 'PUT',
    authorization,
    json: { pairing_token: pairingToken },
  });
}

/** Revokes, as the JPD's admin, the JPD's trust in the Mission Control at `mcBaseUrl`. */
export function revokeAtJpd(jpd: TestService, mcBaseUrl: string) {
  return requestJson(`${jpd.url}${JPD_API}/service_trust/pairings/mission-control`, {
    method: 'DELETE',
    authorization: jpdAdmin,
    json: { base_url: mcBaseUrl },
  });
}

/** Revokes, as Mission Control's admin, Mission Control's trust in the JPD at `jpdBaseUrl`. */
export function revokeAtMc(mc: TestService, jpdBaseUrl: string) {
  return requestJson(`${mc.url}${MC_API}/service_trust/pairings/jpd`, {
    method: 'DELETE',
    authorization: mcAdmin,
    json: { base_url: jpdBaseUrl },
  });
}

/** Checks a response's status and the code of its first error, in the one error body shape. */
export function expectError(response: JsonResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({
    errors: [{ code: expect.any(String), message: expect.any(String) }],
  });
  expect(response.body.errors[0].code).toBe(code);
}

/** Checks that a response body contains nothing shaped like a JWS, whose header starts `eyJ`. */
export function expectNoTokenText(body: unknown): void {
  expect(JSON.stringify(body)).not.toContain('eyJ');
}

/** Reads the `ext` claim of a pairing token without verifying it. */
export function pairingExtensionOf(token: string): Record<string, unknown> {
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  return JSON.parse(payload.ext as string) as Record<string, unknown>;
}
