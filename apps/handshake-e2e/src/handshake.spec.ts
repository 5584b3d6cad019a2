import { Writable } from 'node:stream';

import { startAccessService } from '@service-trust/jpd-access';
import { startMissionControl } from '@service-trust/mission-control';
import { createLogger, type RunningService } from '@service-trust/server';
import {
  basicAuth,
  createTestDatabase,
  freePort,
  makeTempDir,
  removeDir,
  requestJson,
  testDialects,
  type TestDatabase,
} from '@service-trust/server/testing';

const ADMIN_PASSWORD = 'e2e-admin-password';
const admin = basicAuth('admin', ADMIN_PASSWORD);

/** Collects every log line a service writes. */
function captureLogs(lines: string[], service: string) {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return createLogger({ service, level: 'debug', destination });
}

describe.each(testDialects())('one-way handshake on %s', (dialect) => {
  const dir = makeTempDir(`handshake-${dialect}`);
  const logs: string[] = [];
  const databases: TestDatabase[] = [];
  let clockOffsetMs = 0;
  let jpd: RunningService;
  let mc: RunningService;
  let jpdUrl: string;
  let mcUrl: string;

  async function startService(kind: 'jpd' | 'mc'): Promise<RunningService> {
    const port = await freePort();
    const database = await createTestDatabase(dialect, dir);
    databases.push(database);
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: `${dir}/${kind}`,
      DATABASE_URL: database.url,
      ADMIN_PASSWORD,
      PROBE_INTERVAL_SECONDS: '0',
    };
    if (kind === 'jpd') {
      return startAccessService(env, {
        logger: captureLogs(logs, 'jpd-access'),
        clock: () => new Date(Date.now() + clockOffsetMs),
      });
    }
    return startMissionControl(env, {
      logger: captureLogs(logs, 'mission-control'),
      clock: () => new Date(Date.now() + clockOffsetMs),
    });
  }

  beforeAll(async () => {
    jpd = await startService('jpd');
    mc = await startService('mc');
    jpdUrl = jpd.context.config.BASE_URL;
    mcUrl = mc.context.config.BASE_URL;
  });

  afterAll(async () => {
    await mc?.close();
    await jpd?.close();
    for (const database of databases) await database.drop();
    removeDir(dir);
  });

  afterEach(() => {
    clockOffsetMs = 0;
  });

  const generate = async (body: object = {}) => {
    const response = await requestJson(
      `${jpdUrl}/access/api/v1/service_trust/pairing/mission-control`,
      {
        method: 'POST',
        authorization: admin,
        json: body,
      },
    );
    expect(response.status).toBe(200);
    return response.body as { pairing_token: string; token_id: string; expires_in: number };
  };

  const addJpd = (name: string, token: string) =>
    requestJson(`${mcUrl}/mc/api/v1/jpds`, {
      method: 'POST',
      authorization: admin,
      json: {
        name,
        url: jpdUrl,
        token,
        location: { city_name: 'Paris', country_code: 'FR', latitude: 48.85, longitude: 2.35 },
        tags: ['e2e'],
      },
    });

  const probe = async (id: string) => {
    const response = await requestJson(`${mcUrl}/mc/api/v1/jpds/${id}/probe`, {
      method: 'POST',
      authorization: admin,
    });
    expect(response.status).toBe(200);
    return response.body.status.code as string;
  };

  const removeJpd = async (id: string) => {
    const response = await requestJson(`${mcUrl}/mc/api/v1/jpds/${id}`, {
      method: 'DELETE',
      authorization: admin,
    });
    expect(response.status).toBe(204);
  };

  it('pairs, probes, refuses a replay, and sees revocation', async () => {
    const pairing = await generate();

    const added = await addJpd('paris', pairing.pairing_token);
    expect(added.status).toBe(201);
    expect(added.body.id).toMatch(/^JPD-\d+$/);
    expect(added.body.service_id).toBe(jpd.context.serviceId);
    expect(added.body.status.code).toBe('ONLINE');

    const pairings = await requestJson(`${jpdUrl}/access/api/v1/service_trust/pairings`, {
      authorization: admin,
    });
    const active = pairings.body.pairings.filter((p: { status: string }) => p.status === 'active');
    expect(active).toHaveLength(1);
    expect(active[0].service_id).toBe(mc.context.serviceId);
    expect(active[0].base_url).toBe(mcUrl);

    await removeJpd(added.body.id);
    const replay = await addJpd('paris-again', pairing.pairing_token);
    expect(replay.status).toBe(409);
    expect(replay.body.errors[0].code).toBe('TOKEN_ALREADY_USED');
    const audit = await jpd.context.tokens.auditEventsOf(pairing.token_id);
    expect(audit.map((event) => event.type)).toEqual(['pairing_token.replayed']);
    expect(audit[0].pairingId).toBe(active[0].id);

    const second = await addJpd('paris', (await generate()).pairing_token);
    expect(second.status).toBe(201);
    expect(await probe(second.body.id)).toBe('ONLINE');

    const revoke = await requestJson(
      `${jpdUrl}/access/api/v1/service_trust/pairings/mission-control`,
      {
        method: 'DELETE',
        authorization: admin,
        json: { base_url: mcUrl },
      },
    );
    expect(revoke.status).toBe(204);
    expect(await probe(second.body.id)).toBe('UNAUTHORIZED');

    const listed = await requestJson(`${mcUrl}/mc/api/v1/jpds?status=UNAUTHORIZED`, {
      authorization: admin,
    });
    expect(listed.body.map((j: { id: string }) => j.id)).toEqual([second.body.id]);
    await removeJpd(second.body.id);
  });

  it('rejects an expired pairing token and writes nothing', async () => {
    const pairing = await generate({ expires_in: 30 });
    clockOffsetMs = 10 * 60 * 1000;

    const response = await addJpd('expired', pairing.pairing_token);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].code).toBe('INVALID_TOKEN');
    expect(response.body.errors[0].message).toMatch(/expired/);

    const list = await requestJson(`${mcUrl}/mc/api/v1/jpds`, { authorization: admin });
    expect(list.body).toEqual([]);
    const state = await requestJson(`${jpdUrl}/access/api/v1/tokens/${pairing.token_id}`, {
      authorization: admin,
    });
    expect(state.body.status).toBe('active');
  });

  it('rejects a tampered pairing token and leaves the real one usable', async () => {
    const pairing = await generate();
    const [header, payload, signature] = pairing.pairing_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: `${claims.iss}/users/intruder` }),
    ).toString('base64url');

    const tampered = await addJpd('tampered', `${header}.${forged}.${signature}`);
    expect(tampered.status).toBe(400);
    expect(tampered.body.errors[0].code).toBe('INVALID_TOKEN');
    expect(tampered.body.errors[0].message).toMatch(/signature/);

    const genuine = await addJpd('genuine', pairing.pairing_token);
    expect(genuine.status).toBe(201);
    await removeJpd(genuine.body.id);
  });

  it('logs no token or password at debug level', async () => {
    const pairing = await generate();
    const added = await addJpd('logged', pairing.pairing_token);
    expect(added.status).toBe(201);
    await removeJpd(added.body.id);

    expect(logs.length).toBeGreaterThan(10);
    const text = logs.join('\n');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(text).not.toContain(pairing.pairing_token);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});
