import fs from 'node:fs';
import path from 'node:path';

import {
  basicAuth,
  makeTempDir,
  readWholeDatabase,
  removeDir,
  requestJson,
  testDialects,
} from '@service-trust/server/testing';

import {
  addJpd,
  addJpdTwoWay,
  createServiceHarness,
  generateJpdToken,
  getJpd,
  jpdPairings,
  JPD_ADMIN_PASSWORD,
  JPD_API,
  listJpds,
  MC_ADMIN_PASSWORD,
  MC_API,
  mcAdmin,
  mcPairings,
  probe,
  revokeAtJpd,
  revokeAtMc,
  sendHeartbeats,
  type TestService,
} from './two-way-harness';

const JWS_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
const WRONG_PASSWORD = 'wrong-password-4b1d9e';

/** Returns the key secrets of a service: its key-encryption key and its private signing keys. */
async function keySecretsOf(
  started: TestService,
): Promise<{ keyEncryptionKey: string; privateKeys: string[] }> {
  const { config, dataSource, secretBox } = started.service.context;
  const keyFile = path.join(config.DATA_DIR, 'key-encryption.key');
  const privateKeys: string[] = [];
  const rows: { kid: string; encrypted_private_jwk: string }[] = await dataSource.query(
    'SELECT kid, encrypted_private_jwk FROM signing_keys',
  );
  for (const row of rows) {
    const jwk = JSON.parse(secretBox.open(row.encrypted_private_jwk, `signing-key:${row.kid}`));
    privateKeys.push(jwk.d);
  }
  return { keyEncryptionKey: fs.readFileSync(keyFile, 'utf8').trim(), privateKeys };
}

/** Lists the key-encryption key and private keys of every service given. */
async function allKeySecrets(...services: TestService[]): Promise<string[]> {
  const secrets: string[] = [];
  for (const started of services) {
    const { keyEncryptionKey, privateKeys } = await keySecretsOf(started);
    secrets.push(keyEncryptionKey, ...privateKeys);
  }
  return secrets;
}

describe.each(testDialects())('secrets through the whole handshake on %s', (dialect) => {
  const dir = makeTempDir(`secrets-${dialect}`);
  const harness = createServiceHarness(dialect, dir);
  const responses: unknown[] = [];
  const pairingTokens: string[] = [];
  let jpd: TestService;
  let mc: TestService;

  /** Sends a request and keeps its response body for the search. */
  async function call(url: string, init: Parameters<typeof requestJson>[1] = {}) {
    const response = await requestJson(url, init);
    responses.push(response.body);
    return response;
  }

  beforeAll(async () => {
    jpd = await harness.startJpd();
    mc = await harness.startMissionControl();

    // The whole demo, at debug level, with failures on the way.
    const added = await addJpdTwoWay(mc, jpd);
    responses.push(added, await listJpds(mc), await jpdPairings(jpd), await mcPairings(mc));
    responses.push(await sendHeartbeats(jpd), await probe(mc, added.id));
    const issued = await generateJpdToken(jpd);
    pairingTokens.push(issued.pairing_token);
    const exchangeUrl = `${jpd.url}${JPD_API}/service_trust/exchange`;
    const presentation = {
      method: 'POST',
      authorization: `Bearer ${issued.pairing_token}`,
      json: { service_id: 'jfmc@01jsecondpeer00000000000', base_url: 'http://127.0.0.1:9' },
    };
    // The exchange response carries a master token by design, so it is not searched.
    expect((await requestJson(exchangeUrl, presentation)).status).toBe(200);
    expect((await call(exchangeUrl, presentation)).status).toBe(409);
    await call(`${jpd.url}${JPD_API}/service_trust/pairings`, {
      authorization: basicAuth('admin', WRONG_PASSWORD),
    });
    await call(`${mc.url}${MC_API}/jpds`, { authorization: basicAuth('admin', WRONG_PASSWORD) });
    await call(`${jpd.url}${JPD_API}/system/info`, {
      authorization: `Bearer ${issued.pairing_token}x`,
    });
    expect((await revokeAtMc(mc, jpd.baseUrl)).status).toBe(204);
    responses.push(await sendHeartbeats(jpd));
    expect((await revokeAtJpd(jpd, mc.baseUrl)).status).toBe(204);
    responses.push(await probe(mc, added.id), await getJpd(mc, added.id));
  });

  afterAll(async () => {
    await harness.closeAll();
    removeDir(dir);
  });

  it('writes debug lines for the whole run', () => {
    expect(jpd.logs.length).toBeGreaterThan(20);
    expect(mc.logs.length).toBeGreaterThan(20);
    expect(jpd.service.context.logger.level).toBe('debug');
    expect(mc.service.context.logger.level).toBe('debug');
  });

  it('logs no password, token or key at debug level', async () => {
    const text = [...jpd.logs, ...mc.logs].map((entry) => JSON.stringify(entry)).join('\n');
    const secrets = [
      JPD_ADMIN_PASSWORD,
      MC_ADMIN_PASSWORD,
      WRONG_PASSWORD,
      ...pairingTokens,
      ...(await allKeySecrets(jpd, mc)),
    ];

    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    expect(text).not.toMatch(JWS_PATTERN);
  });

  it('returns no secret in any response', async () => {
    const text = responses.map((body) => JSON.stringify(body)).join('\n');
    const secrets = [JPD_ADMIN_PASSWORD, MC_ADMIN_PASSWORD, WRONG_PASSWORD, ...pairingTokens];

    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    expect(text).not.toMatch(JWS_PATTERN);
    expect(text).not.toMatch(/\bat (?:async )?[\w.]+ \(|node_modules/);
  });

  it('stores no token, password or private key in plain text', async () => {
    for (const started of [jpd, mc]) {
      const stored = await readWholeDatabase(
        started.service.context.dataSource,
        started.service.context.config.DATABASE_URL,
      );
      const { keyEncryptionKey, privateKeys } = await keySecretsOf(started);
      const secrets = [JPD_ADMIN_PASSWORD, MC_ADMIN_PASSWORD, keyEncryptionKey, ...privateKeys];

      expect(stored.length).toBeGreaterThan(1000);
      expect(privateKeys.length).toBeGreaterThan(0);
      expect(stored).not.toMatch(JWS_PATTERN);
      for (const secret of secrets) expect(stored.includes(secret)).toBe(false);
    }
  });
});

describe.each(testDialects())('restarts in the middle of the handshake on %s', (dialect) => {
  const dir = makeTempDir(`restarts-${dialect}`);
  const harness = createServiceHarness(dialect, dir);

  afterAll(async () => {
    await harness.closeAll();
    removeDir(dir);
  });

  it('keeps identities, keys, users, pairings and master tokens', async () => {
    let jpd = await harness.startJpd();
    let mc = await harness.startMissionControl();
    const added = await addJpdTwoWay(mc, jpd);
    expect(added.two_way.status).toBe('ESTABLISHED');
    const pending = await generateJpdToken(jpd);
    const before = {
      jpdId: jpd.serviceId,
      mcId: mc.serviceId,
      jpdKeys: (await requestJson(`${jpd.url}${JPD_API}/keys/jwks`)).body,
      mcKeys: (await requestJson(`${mc.url}${MC_API}/keys/jwks`)).body,
      jpdPairings: await jpdPairings(jpd),
    };

    jpd = await harness.restart(jpd);

    expect(jpd.serviceId).toBe(before.jpdId);
    expect((await requestJson(`${jpd.url}${JPD_API}/keys/jwks`)).body).toEqual(before.jpdKeys);
    expect(await jpdPairings(jpd)).toEqual(before.jpdPairings);
    // Mission Control's master token from before the restart still opens the JPD.
    expect(await probe(mc, added.id)).toBe('ONLINE');
    // The JPD's credential for Mission Control was decrypted with the same key file.
    expect((await sendHeartbeats(jpd)).map((beat) => beat.ok)).toEqual([true]);

    mc = await harness.restart(mc);

    expect(mc.serviceId).toBe(before.mcId);
    expect((await requestJson(`${mc.url}${MC_API}/keys/jwks`)).body).toEqual(before.mcKeys);
    expect((await listJpds(mc)).map((view) => view.id)).toEqual([added.id]);
    expect(await probe(mc, added.id)).toBe('ONLINE');
    expect((await sendHeartbeats(jpd)).map((beat) => beat.ok)).toEqual([true]);
    expect((await getJpd(mc, added.id)).trust).toBe('TWO_WAY');

    // A pairing token generated before both restarts is still good for its lifetime.
    const other = await harness.startMissionControl();
    const second = await addJpd(other, jpd, 'after-restarts', pending.pairing_token);
    expect(second.status).toBe(201);
    expect(second.body.status.code).toBe('ONLINE');
  });
});
