import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ConfigError } from '@service-trust/server';
import { basicAuth, removeDir, requestJson, testDialects } from '@service-trust/server/testing';

import { VERSION } from './access-service';
import {
  ADMIN_PASSWORD,
  captureLogs,
  exchangeOrThrow,
  exchangeRequest,
  expectError,
  issuePairingToken,
  JWT_PATTERN,
  startAccess,
  type AccessInstance,
} from './test-harness';

const SERVICE_ID_PATTERN = /^jfac@[0-9a-z]{26}$/;

describe.each(testDialects())('Access service basics on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('answers ping with OK', async () => {
    const response = await requestJson(access.url('/system/ping'));

    expect(response.status).toBe(200);
    expect(response.body).toBe('OK');
  });

  it('publishes one EC public key', async () => {
    const response = await requestJson(access.url('/keys/jwks'));

    expect(response.status).toBe(200);
    expect(response.body.keys).toHaveLength(1);
    const [key] = response.body.keys;
    expect(key.kty).toBe('EC');
    expect(key.crv).toBe('P-256');
    expect(key.alg).toBe('ES256');
    expect(typeof key.kid).toBe('string');
    expect(key.kid.length).toBeGreaterThan(0);
    expect(key).not.toHaveProperty('d');
  });

  it('creates a jfac service id', () => {
    expect(access.serviceId).toMatch(SERVICE_ID_PATTERN);
  });

  it('reports identity to the admin', async () => {
    const response = await requestJson(access.url('/system/info'), { authorization: access.admin });

    expect(response.status).toBe(200);
    expect(response.body.service_id).toBe(access.serviceId);
    expect(response.body.version).toBe(VERSION);
    expect(response.body.base_url).toBe(access.baseUrl);
  });

  it('requires credentials for system info', async () => {
    const response = await requestJson(access.url('/system/info'));

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('answers unknown routes in the error shape', async () => {
    const response = await requestJson(access.url('/no/such/route'));

    expectError(response, 404, 'NOT_FOUND');
  });
});

describe.each(testDialects())('Access service restart on %s', (dialect) => {
  const instances: AccessInstance[] = [];

  afterEach(async () => {
    const started = instances.splice(0);
    for (const instance of started) await instance.close();
    for (const dataDir of new Set(started.map((instance) => instance.dataDir))) removeDir(dataDir);
  });

  async function restart(
    previous: AccessInstance,
    adminPassword?: string | null,
  ): Promise<AccessInstance> {
    await previous.close();
    const next = await startAccess({
      dialect,
      dataDir: previous.dataDir,
      databaseUrl: previous.databaseUrl,
      port: previous.port,
      adminPassword,
    });
    instances.push(next);
    return next;
  }

  it('keeps service id, keys and password', async () => {
    const first = await startAccess({ dialect });
    instances.push(first);
    const firstJwks = await requestJson(first.url('/keys/jwks'));
    const issuedBefore = await issuePairingToken(first);

    const second = await restart(first);

    expect(second.serviceId).toBe(first.serviceId);
    const secondJwks = await requestJson(second.url('/keys/jwks'));
    expect(secondJwks.body.keys).toHaveLength(1);
    expect(secondJwks.body.keys[0].kid).toBe(firstJwks.body.keys[0].kid);
    const info = await requestJson(second.url('/system/info'), {
      authorization: basicAuth('admin', ADMIN_PASSWORD),
    });
    expect(info.status).toBe(200);
    expect(info.body.service_id).toBe(first.serviceId);
    const exchanged = await exchangeOrThrow(second, issuedBefore.pairing_token);
    expect(exchanged.token_type).toBe('Bearer');
  });

  it('applies a changed ADMIN_PASSWORD', async () => {
    const first = await startAccess({ dialect });
    instances.push(first);

    const second = await restart(first, 'rotated-admin-password-2');

    const withNew = await requestJson(second.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', 'rotated-admin-password-2'),
    });
    const withOld = await requestJson(second.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', ADMIN_PASSWORD),
    });
    expect(withNew.status).toBe(200);
    expectError(withOld, 401, 'UNAUTHORIZED');
  });

  it('rejects a different key-encryption key', async () => {
    const first = await startAccess({ dialect });
    instances.push(first);
    await first.close();

    const otherKey = randomBytes(32).toString('base64');
    const started = startAccess({
      dialect,
      dataDir: first.dataDir,
      databaseUrl: first.databaseUrl,
      port: first.port,
      env: { KEY_ENCRYPTION_KEY: otherKey },
    });

    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/KEY_ENCRYPTION_KEY/);
    const second = await startAccess({
      dialect,
      dataDir: first.dataDir,
      databaseUrl: first.databaseUrl,
      port: first.port,
    });
    instances.push(second);
    expect(second.serviceId).toBe(first.serviceId);
  });

  it('keeps a generated password', async () => {
    const first = await startAccess({ dialect, adminPassword: null });
    instances.push(first);
    const passwordFile = path.join(first.dataDir, 'admin.password');
    const password = fs.readFileSync(passwordFile, 'utf8').trim();

    const second = await restart(first, null);

    expect(fs.readFileSync(passwordFile, 'utf8').trim()).toBe(password);
    const response = await requestJson(second.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', password),
    });
    expect(response.status).toBe(200);
  });
});

describe.each(testDialects())('secrets at rest on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('writes key-encryption.key with mode 0600', () => {
    const mode = fs.statSync(path.join(access.dataDir, 'key-encryption.key')).mode & 0o777;

    expect(mode).toBe(0o600);
  });

  it('stores the private key encrypted', async () => {
    const rows: Array<{ public_jwk: string; encrypted_private_jwk: string }> =
      await access.service.context.dataSource.query(
        'SELECT public_jwk, encrypted_private_jwk FROM signing_keys',
      );

    expect(rows).toHaveLength(1);
    expect(rows[0].encrypted_private_jwk.startsWith('v1.')).toBe(true);
    expect(rows[0].encrypted_private_jwk).not.toContain('"d"');
    expect(JSON.parse(rows[0].public_jwk)).not.toHaveProperty('d');
  });

  it('writes no password file when ADMIN_PASSWORD is set', () => {
    expect(fs.existsSync(path.join(access.dataDir, 'admin.password'))).toBe(false);
  });
});

describe.each(testDialects())('generated admin password on %s', (dialect) => {
  let access: AccessInstance;
  let logs: ReturnType<typeof captureLogs>;
  let password: string;
  let passwordFile: string;

  beforeAll(async () => {
    logs = captureLogs();
    access = await startAccess({ dialect, adminPassword: null, logger: logs.logger });
    passwordFile = path.join(access.dataDir, 'admin.password');
    password = fs.readFileSync(passwordFile, 'utf8').trim();
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('writes admin.password with mode 0600', () => {
    const mode = fs.statSync(passwordFile).mode & 0o777;

    expect(mode).toBe(0o600);
    expect(password.length).toBeGreaterThanOrEqual(16);
  });

  it('accepts the generated password', async () => {
    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', password),
    });

    expect(response.status).toBe(200);
  });

  it('rejects the default test password', async () => {
    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', ADMIN_PASSWORD),
    });

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('names the password file in the log', () => {
    expect(logs.text()).toContain(path.resolve(passwordFile));
  });

  it('keeps the password out of the log', async () => {
    const header = basicAuth('admin', password);
    await requestJson(access.url('/service_trust/pairings'), { authorization: header });
    await requestJson(access.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', `${password}x`),
    });

    const text = logs.text();
    expect(text).toContain('basic authentication failed');
    expect(text).not.toContain(password);
    expect(text).not.toContain(header.slice('Basic '.length));
  });

  // A credential without a colon has no username part, so nothing of it may be logged as one.
  it('keeps a colonless credential out of the log', async () => {
    const colonless = `Basic ${Buffer.from(password).toString('base64')}`;

    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: colonless,
    });

    expectError(response, 401, 'UNAUTHORIZED');
    expect(logs.text()).not.toContain(password.slice(0, -1));
  });
});

describe.each(testDialects())('log output on %s', (dialect) => {
  let access: AccessInstance;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    access = await startAccess({ dialect, logger: logs.logger });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('keeps passwords and tokens out of the log', async () => {
    const wrongPassword = 'wrong-password-never-logged';
    await requestJson(access.url('/service_trust/pairings'), {
      authorization: basicAuth('admin', wrongPassword),
    });
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(access, issued.pairing_token, exchangeRequest());
    await requestJson(access.url('/service_trust/exchange'), {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
      json: exchangeRequest(),
    });
    await requestJson(access.url('/system/info'), {
      authorization: `Bearer ${master.access_token}`,
    });

    const text = logs.text();
    expect(text).toContain('pairing_token.replayed');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(text).not.toContain(wrongPassword);
    expect(text).not.toContain(issued.pairing_token.split('.')[2]);
    expect(text).not.toContain(master.access_token.split('.')[2]);
    expect(text).not.toMatch(JWT_PATTERN);
  });
});
