/// <reference types="jest" />
// Helpers for the integration tests: each test starts the real Access service in-process on
// 127.0.0.1 with a new SQLite or PostgreSQL database, and talks to it over HTTP.
import type { Writable } from 'node:stream';

import { createLogger, type Logger, type RunningService } from '@service-trust/server';
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

import { startAccessService } from './index';

export const API_PREFIX = '/access/api/v1';

export const ADMIN_PASSWORD = 'integration-admin-secret-8040';

/** Matches a compact JWS anywhere in a string, such as a token inside a list response or a log line. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A clock that follows real time plus an offset, so a test can jump past an expiry. */
export class TestClock {
  private offsetMs = 0;

  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  advanceSeconds(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

export interface StartOptions {
  /** Database dialect; each instance gets a new database unless `databaseUrl` is given. */
  dialect?: TestDialect;
  /** Database of an earlier instance, to restart on the same data. */
  databaseUrl?: string;
  /** Data folder of an earlier instance, to restart on the same SQLite file and key files. */
  dataDir?: string;
  /** Port to listen on, or a free port when unset. */
  port?: number;
  /** Value of ADMIN_PASSWORD. `null` leaves it unset, so the service generates a password file. */
  adminPassword?: string | null;
  logger?: Logger;
  clock?: TestClock;
  /** Further environment variables, such as KEY_ENCRYPTION_KEY. */
  env?: NodeJS.ProcessEnv;
}

/** A running Access service and the values a test needs to call it. */
export interface AccessInstance {
  service: RunningService;
  serviceId: string;
  dataDir: string;
  port: number;
  /** Database URL, to restart another instance on the same data. */
  databaseUrl: string;
  /** `http://127.0.0.1:<port>`, also configured as the service's BASE_URL. */
  baseUrl: string;
  clock: TestClock;
  /** Basic authorization header of the admin user with {@link ADMIN_PASSWORD}. */
  admin: string;
  /** Builds the URL of an API path such as `/system/ping`. */
  url(path: string): string;
  /** Stops the server and closes the database, keeping the data folder. Safe to call twice. */
  close(): Promise<void>;
  /** Stops the service and deletes its data folder. */
  dispose(): Promise<void>;
}

/** Starts the Access service on 127.0.0.1 with a new database of the given dialect. */
export async function startAccess(options: StartOptions = {}): Promise<AccessInstance> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? makeTempDir('jpd-access-it');
  const clock = options.clock ?? new TestClock();
  const baseUrl = `http://127.0.0.1:${port}`;
  const database: TestDatabase | undefined = options.databaseUrl
    ? undefined
    : await createTestDatabase(options.dialect ?? 'sqlite', dataDir);
  const databaseUrl = options.databaseUrl ?? database!.url;

  const env: NodeJS.ProcessEnv = {
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const adminPassword =
    options.adminPassword === undefined ? ADMIN_PASSWORD : options.adminPassword;
  if (adminPassword !== null) env.ADMIN_PASSWORD = adminPassword;

  let service: RunningService;
  try {
    service = await startAccessService(env, { clock: clock.now, logger: options.logger });
  } catch (error) {
    await database?.drop();
    if (!options.dataDir) removeDir(dataDir);
    throw error;
  }

  let closed: Promise<void> | undefined;
  const close = () => (closed ??= service.close());

  return {
    service,
    serviceId: service.context.serviceId,
    dataDir,
    port,
    databaseUrl,
    baseUrl,
    clock,
    admin: basicAuth('admin', adminPassword ?? ADMIN_PASSWORD),
    url: (path) => `${baseUrl}${API_PREFIX}${path}`,
    close,
    async dispose() {
      await close();
      await database?.drop();
      removeDir(dataDir);
    },
  };
}

/** Creates a pino logger at debug level whose lines a test can read back. */
export function captureLogs(): { logger: Logger; text(): string } {
  const lines: string[] = [];
  const destination = {
    write(line: string) {
      lines.push(line);
      return true;
    },
  } as unknown as Writable;
  return {
    logger: createLogger({ service: 'jpd-access', level: 'debug', destination }),
    text: () => lines.join(''),
  };
}

/** Asserts an error response: its status, the one error body shape, and its code. */
export function expectError(response: JsonResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({
    errors: [{ code: expect.any(String), message: expect.any(String) }],
  });
  expect(response.body.errors[0].code).toBe(code);
  expect(response.body.errors[0].message.length).toBeGreaterThan(0);
}

export interface PairingTokenBody {
  pairing_token: string;
  token_id: string;
  expires_in: number;
}

export interface ExchangeBody {
  access_token: string;
  token_id: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Requests a pairing token for Mission Control as the admin user. Throws unless the status is 200. */
export async function issuePairingToken(
  instance: AccessInstance,
  body?: Record<string, unknown>,
): Promise<PairingTokenBody> {
  const response = await requestJson<PairingTokenBody>(
    instance.url('/service_trust/pairing/mission-control'),
    {
      method: 'POST',
      authorization: instance.admin,
      json: body,
    },
  );
  if (response.status !== 200) {
    throw new Error(
      `Issuing a pairing token failed with ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

/** Body that a Mission Control instance at `baseUrl` sends to the exchange URL. */
export function exchangeRequest(
  baseUrl = 'http://127.0.0.1:18080',
  serviceId = 'jfmc@01jtestmissioncontrol000',
): {
  service_id: string;
  base_url: string;
  name: string;
} {
  return { service_id: serviceId, base_url: baseUrl, name: 'Mission Control under test' };
}

/** Presents `token` at the exchange URL with `body`. */
export function exchange(
  instance: AccessInstance,
  token: string,
  body: unknown = exchangeRequest(),
): Promise<JsonResponse> {
  return requestJson(instance.url('/service_trust/exchange'), {
    method: 'POST',
    authorization: `Bearer ${token}`,
    json: body,
  });
}

/** Exchanges `token` and returns the master token. Throws unless the status is 200. */
export async function exchangeOrThrow(
  instance: AccessInstance,
  token: string,
  body: unknown = exchangeRequest(),
): Promise<ExchangeBody> {
  const response = await exchange(instance, token, body);
  if (response.status !== 200) {
    throw new Error(`Exchange failed with ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Reads the stored state of a token through the admin API. */
export async function tokenState(instance: AccessInstance, tokenId: string): Promise<JsonResponse> {
  return requestJson(instance.url(`/tokens/${tokenId}`), { authorization: instance.admin });
}

/** Decodes the protected header (part 0) or the payload (part 1) of a compact JWS, unverified. */
export function decodeJwtPart(token: string, part: 0 | 1): Record<string, any> {
  const segment = token.split('.')[part];
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Returns every string value inside `value`, searching arrays and objects. */
export function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringValues);
  return [];
}
