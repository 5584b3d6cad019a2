/// <reference types="jest" />
// Helpers for Mission Control's integration tests. Each service runs in-process on 127.0.0.1
// with its own database of the dialect under test, and the tests call it over HTTP.
import fs from 'node:fs';
import path from 'node:path';

import { startAccessService } from '@service-trust/jpd-access';
import type { RunningService } from '@service-trust/server';
import {
  basicAuth,
  createTestDatabase,
  freePort,
  makeTempDir,
  removeDir,
  requestJson,
  type JsonResponse,
  type TestDatabase,
  type TestDialect,
} from '@service-trust/server/testing';

import { startMissionControl } from '../index';

export const MC_API = '/mc/api/v1';
export const ACCESS_API = '/access/api/v1';

// The two services get different admin passwords, so a test cannot pass with the wrong one.
export const MC_ADMIN_PASSWORD = 'mission-control-admin-8080';
export const JPD_ADMIN_PASSWORD = 'jpd-access-admin-8040';

/** Matches a compact JWS anywhere in a text: a header and a payload that are JSON objects. */
export const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

/** A clock that follows real time plus an offset, so a test can move a JPD past an expiry. */
export class TestClock {
  private offsetMs = 0;

  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  advanceSeconds(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

export interface PairingTokenBody {
  pairing_token: string;
  token_id: string;
  expires_in: number;
}

export interface PairingView {
  id: string;
  use_case: string;
  service_id: string;
  base_url: string;
  name?: string;
  status: 'active' | 'revoked';
  master_token_id: string;
  created_at: string;
  revoked_at?: string;
}

/** Fields shared by a running JPD and a running Mission Control. */
interface ServiceInstance {
  service: RunningService;
  serviceId: string;
  port: number;
  /** `http://127.0.0.1:<port>` unless a test chose another BASE_URL. */
  baseUrl: string;
  dataDir: string;
  database: TestDatabase;
  /** Basic authorization header of the service's admin user. */
  admin: string;
  /** Builds the URL of an API path such as `/jpds`. */
  url(path: string): string;
  /** Stops the server and closes the database, keeping both. Safe to call twice. */
  close(): Promise<void>;
}

/** A running jpd-access service. */
export interface JpdInstance extends ServiceInstance {
  clock: TestClock;
  /** Requests a Mission Control pairing token as the admin; throws unless it gets 200. */
  issuePairingToken(body?: Record<string, unknown>): Promise<PairingTokenBody>;
  /** Creates an admin access token (typ at+jwt); throws unless it gets 200. */
  issueAdminToken(): Promise<string>;
  /** Lists the JPD's pairings, newest first. */
  pairings(): Promise<PairingView[]>;
  /** Returns the stored status of a token: active, used or revoked. */
  tokenStatus(tokenId: string): Promise<string>;
}

/** A running Mission Control. */
export interface MissionControlInstance extends ServiceInstance {
  /** Sends a request to a Mission Control API path, as the admin unless `authorization` is set. */
  request(apiPath: string, init?: McRequestInit): Promise<JsonResponse>;
}

export interface McRequestInit {
  method?: string;
  json?: unknown;
  body?: string;
  /** Authorization header; `null` sends none. The admin's Basic credentials by default. */
  authorization?: string | null;
}

export interface StartJpdOptions {
  clock?: TestClock;
  /** BASE_URL to publish in tokens, when it must differ from the listening address. */
  baseUrl?: string;
  /** Restarts on an earlier instance's port, database and data folder. */
  restartOf?: JpdInstance;
}

export interface StartMissionControlOptions {
  /** Extra environment variables, such as PEER_TIMEOUT_MS. */
  env?: Record<string, string>;
  /** Restarts on an earlier instance's port, database and data folder. */
  restartOf?: MissionControlInstance;
  /** With `restartOf`, starts with a new data folder and so a new key-encryption key. */
  newDataDir?: boolean;
}

/**
 * Starts the services of one suite on one dialect and stops them all in {@link closeAll}: every
 * service gets its own database, dropped at the end, and a data folder under one temp folder.
 */
export class TestServices {
  private readonly dir: string;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly databases: TestDatabase[] = [];

  constructor(
    readonly dialect: TestDialect,
    label: string,
  ) {
    this.dir = makeTempDir(`mc-${label}-${dialect}`);
  }

  async startJpd(options: StartJpdOptions = {}): Promise<JpdInstance> {
    const previous = options.restartOf;
    const clock = options.clock ?? previous?.clock ?? new TestClock();
    const base = await this.prepare(previous);
    const baseUrl = options.baseUrl ?? previous?.baseUrl ?? `http://127.0.0.1:${base.port}`;

    const service = await startAccessService(this.env(base, baseUrl, JPD_ADMIN_PASSWORD), {
      clock: clock.now,
    });
    const close = this.track(service);
    const admin = basicAuth('admin', JPD_ADMIN_PASSWORD);
    const url = (apiPath: string) => `http://127.0.0.1:${base.port}${ACCESS_API}${apiPath}`;

    return {
      ...base,
      service,
      serviceId: service.context.serviceId,
      baseUrl,
      admin,
      clock,
      url,
      close,
      async issuePairingToken(body) {
        const response = await requestJson<PairingTokenBody>(
          url('/service_trust/pairing/mission-control'),
          {
            method: 'POST',
            authorization: admin,
            json: body,
          },
        );
        assertOk(response, 'Issuing a pairing token');
        return response.body;
      },
      async issueAdminToken() {
        const response = await requestJson(url('/tokens'), {
          method: 'POST',
          authorization: admin,
        });
        assertOk(response, 'Issuing an admin access token');
        return response.body.access_token as string;
      },
      async pairings() {
        const response = await requestJson(url('/service_trust/pairings'), {
          authorization: admin,
        });
        assertOk(response, 'Listing pairings');
        return response.body.pairings as PairingView[];
      },
      async tokenStatus(tokenId) {
        const response = await requestJson(url(`/tokens/${tokenId}`), { authorization: admin });
        assertOk(response, `Reading token ${tokenId}`);
        return response.body.status as string;
      },
    };
  }

  async startMissionControl(
    options: StartMissionControlOptions = {},
  ): Promise<MissionControlInstance> {
    const previous = options.restartOf;
    const base = await this.prepare(previous, options.newDataDir);
    const baseUrl = `http://127.0.0.1:${base.port}`;

    const service = await startMissionControl({
      ...this.env(base, baseUrl, MC_ADMIN_PASSWORD),
      PROBE_INTERVAL_SECONDS: '0',
      ...options.env,
    });
    const close = this.track(service);
    const admin = basicAuth('admin', MC_ADMIN_PASSWORD);
    const url = (apiPath: string) => `${baseUrl}${MC_API}${apiPath}`;

    return {
      ...base,
      service,
      serviceId: service.context.serviceId,
      baseUrl,
      admin,
      url,
      close,
      request(apiPath, init = {}) {
        return requestJson(url(apiPath), {
          method: init.method,
          json: init.json,
          body: init.body,
          authorization: init.authorization === null ? undefined : (init.authorization ?? admin),
        });
      },
    };
  }

  /** Stops every service, newest first, then drops the databases and deletes the temp folder. */
  async closeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const close of this.closers.reverse())
      await close().catch((error: unknown) => failures.push(error));
    for (const database of this.databases)
      await database.drop().catch((error: unknown) => failures.push(error));
    removeDir(this.dir);
    if (failures.length > 0)
      throw new AggregateError(failures, 'Stopping the test services failed.');
  }

  private async prepare(
    previous: ServiceInstance | undefined,
    newDataDir = false,
  ): Promise<{ port: number; dataDir: string; database: TestDatabase }> {
    if (previous && !newDataDir) {
      return { port: previous.port, dataDir: previous.dataDir, database: previous.database };
    }

    const dataDir = fs.mkdtempSync(path.join(this.dir, 'service-'));
    if (previous) return { port: previous.port, dataDir, database: previous.database };

    const database = await createTestDatabase(this.dialect, this.dir);
    this.databases.push(database);
    return { port: await freePort(), dataDir, database };
  }

  private env(
    base: { port: number; dataDir: string; database: TestDatabase },
    baseUrl: string,
    adminPassword: string,
  ): NodeJS.ProcessEnv {
    return {
      PORT: String(base.port),
      HOST: '127.0.0.1',
      BASE_URL: baseUrl,
      DATA_DIR: base.dataDir,
      DATABASE_URL: base.database.url,
      ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'silent',
    };
  }

  private track(service: RunningService): () => Promise<void> {
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= service.close());
    this.closers.push(close);
    return close;
  }
}

function assertOk(response: JsonResponse, action: string): void {
  if (response.status !== 200) {
    throw new Error(`${action} failed with ${response.status}: ${JSON.stringify(response.body)}`);
  }
}

/**
 * Asserts an error response: the status, the one error body shape, the code, a part of the
 * message, and that the body carries no token.
 */
export function expectError(
  response: JsonResponse,
  status: number,
  code: string,
  message: RegExp,
): void {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(response.body).toEqual({
    errors: [{ code: expect.any(String), message: expect.any(String) }],
  });
  expect(response.body.errors[0].code).toBe(code);
  expect(response.body.errors[0].message).toMatch(message);
  expect(JSON.stringify(response.body)).not.toMatch(JWT_PATTERN);
}

/** Adds `jpd` to Mission Control with a fresh pairing token; throws unless it gets 201. */
export async function addJpd(
  mc: MissionControlInstance,
  jpd: JpdInstance,
  fields: { name?: string; location?: Record<string, unknown>; tags?: string[] } = {},
): Promise<JsonResponse> {
  const { pairing_token: token } = await jpd.issuePairingToken();
  const response = await mc.request('/jpds', {
    method: 'POST',
    json: { name: fields.name ?? `jpd-${jpd.port}`, url: jpd.baseUrl, token, ...fields },
  });
  if (response.status !== 201) {
    throw new Error(
      `Adding ${jpd.baseUrl} failed with ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response;
}
