import { randomBytes } from 'node:crypto';

import { LISTENER_APPLICATION_NAME, type RunningService } from '@service-trust/server';
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

import { startAccessService } from './index';

const ADMIN_PASSWORD = 'replica-admin-password';
const admin = basicAuth('admin', ADMIN_PASSWORD);
const consumer = { service_id: 'jfmc@01replicatest', base_url: 'http://mc.replica.test:8080' };

/** Starts `count` Access replicas on one database, sharing the key-encryption key. */
async function startReplicas(
  databaseUrl: string,
  dir: string,
  count: number,
): Promise<RunningService[]> {
  const keyEncryptionKey = randomBytes(32).toString('base64');
  const replicas: RunningService[] = [];
  for (let index = 0; index < count; index++) {
    const port = await freePort();
    replicas.push(
      await startAccessService({
        PORT: String(port),
        HOST: '127.0.0.1',
        BASE_URL: 'http://jpd.replica.test:8040',
        DATA_DIR: `${dir}/replica-${index}`,
        DATABASE_URL: databaseUrl,
        ADMIN_PASSWORD,
        KEY_ENCRYPTION_KEY: keyEncryptionKey,
        LOG_LEVEL: 'silent',
      }),
    );
  }
  return replicas;
}

const urlOf = (replica: RunningService) => `http://127.0.0.1:${replica.port}/access/api/v1`;

async function generate(
  replica: RunningService,
): Promise<{ pairing_token: string; token_id: string }> {
  const response = await requestJson(`${urlOf(replica)}/service_trust/pairing/mission-control`, {
    method: 'POST',
    authorization: admin,
  });
  expect(response.status).toBe(200);
  return response.body;
}

function exchange(replica: RunningService, token: string) {
  return requestJson(`${urlOf(replica)}/service_trust/exchange`, {
    method: 'POST',
    authorization: `Bearer ${token}`,
    json: consumer,
  });
}

async function count(replica: RunningService, sql: string, parameters: unknown[]): Promise<number> {
  const dialect = replica.context.dataSource.options.type;
  const query = dialect === 'postgres' ? sql : sql.replace(/\$\d+/g, '?');
  const rows = await replica.context.dataSource.query(query, parameters);
  return Number(rows[0].count);
}

/**
 * Calls `replica` with `bearer` every 10 ms until it stops responding with 200, for at most 5 s.
 * Returns the last status and the time it took.
 */
async function untilRejected(
  replica: RunningService,
  bearer: string,
): Promise<{ status: number; afterMs: number }> {
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < 5_000) {
    status = (await requestJson(`${urlOf(replica)}/system/info`, { authorization: bearer })).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { status, afterMs: Date.now() - started };
}

describe.each(testDialects())('replicas on %s', (dialect) => {
  const dir = makeTempDir(`replicas-${dialect}`);
  const replicaCount = dialect === 'postgres' ? 2 : 1;
  let database: TestDatabase;
  let replicas: RunningService[];

  beforeAll(async () => {
    database = await createTestDatabase(dialect, dir);
    replicas = await startReplicas(database.url, dir, replicaCount);
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await database?.drop();
    removeDir(dir);
  });

  it(`issues one master token for 200 concurrent exchanges over ${replicaCount} replica(s)`, async () => {
    const { pairing_token: token, token_id: tokenId } = await generate(replicas[0]);

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, index) => exchange(replicas[index % replicas.length], token)),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(199);
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(response.body.errors[0].code).toBe('ERR_PAIRING_TOKEN_CONSUMED');
    }

    const replica = replicas[0];
    expect(
      await count(replica, 'SELECT COUNT(*) AS count FROM pairings WHERE pairing_token_id = $1', [
        tokenId,
      ]),
    ).toBe(1);
    expect(
      await count(
        replica,
        "SELECT COUNT(*) AS count FROM tokens WHERE kind = 'master' AND pairing_id IN (SELECT id FROM pairings WHERE pairing_token_id = $1)",
        [tokenId],
      ),
    ).toBe(1);
    expect(
      await count(
        replica,
        "SELECT COUNT(*) AS count FROM audit_events WHERE type = 'pairing_token.replayed' AND token_id = $1",
        [tokenId],
      ),
    ).toBe(199);
  });

  it('leaves the token usable when recording the pairing fails', async () => {
    const replica = replicas[0];
    const { pairing_token: token, token_id: tokenId } = await generate(replica);
    const { dataSource } = replica.context;
    const masterTokensBefore = await count(
      replica,
      "SELECT COUNT(*) AS count FROM tokens WHERE kind = 'master' AND 1 = $1",
      [1],
    );

    // A trigger makes the insert of the pairing fail after the token was marked used.
    if (dialect === 'postgres') {
      await dataSource.query(
        "CREATE FUNCTION fail_pairing_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$ LANGUAGE plpgsql",
      );
      await dataSource.query(
        'CREATE TRIGGER fail_pairing_insert BEFORE INSERT ON pairings FOR EACH ROW EXECUTE FUNCTION fail_pairing_insert()',
      );
    } else {
      await dataSource.query(
        "CREATE TRIGGER fail_pairing_insert BEFORE INSERT ON pairings BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
      );
    }

    const failed = await exchange(replica, token);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.errors[0].code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(failed.body)).not.toContain('forced failure');

    const state = await requestJson(`${urlOf(replica)}/tokens/${tokenId}`, {
      authorization: admin,
    });
    expect(state.body.status).toBe('active');
    expect(
      await count(
        replica,
        "SELECT COUNT(*) AS count FROM tokens WHERE kind = 'master' AND 1 = $1",
        [1],
      ),
    ).toBe(masterTokensBefore);
    expect(
      await count(replica, 'SELECT COUNT(*) AS count FROM pairings WHERE pairing_token_id = $1', [
        tokenId,
      ]),
    ).toBe(0);

    if (dialect === 'postgres') {
      await dataSource.query('DROP TRIGGER fail_pairing_insert ON pairings');
      await dataSource.query('DROP FUNCTION fail_pairing_insert()');
    } else {
      await dataSource.query('DROP TRIGGER fail_pairing_insert');
    }
    const retried = await exchange(replica, token);
    expect(retried.status).toBe(200);
    expect(retried.body.token_type).toBe('Bearer');
  });

  it('rejects a revoked master token on every replica within one second', async () => {
    const [first, last] = [replicas[0], replicas[replicas.length - 1]];
    const { pairing_token: token } = await generate(first);
    const exchanged = await exchange(first, token);
    expect(exchanged.status).toBe(200);
    const bearer = `Bearer ${exchanged.body.access_token}`;

    expect(
      (await requestJson(`${urlOf(last)}/system/info`, { authorization: bearer })).status,
    ).toBe(200);
    const lookups = last.context.states.databaseLookups;
    for (let call = 0; call < 20; call++) {
      expect(
        (await requestJson(`${urlOf(last)}/system/info`, { authorization: bearer })).status,
      ).toBe(200);
    }
    expect(last.context.states.databaseLookups).toBe(lookups);

    const revoked = await requestJson(`${urlOf(first)}/service_trust/pairings/mission-control`, {
      method: 'DELETE',
      authorization: admin,
      json: { base_url: consumer.base_url },
    });
    expect(revoked.status).toBe(204);
    const rejection = await untilRejected(last, bearer);
    expect(rejection.status).toBe(401);
    expect(rejection.afterMs).toBeLessThan(1_000);
  });

  it('rejects on every replica the master token that a re-pairing replaced', async () => {
    const [first, last] = [replicas[0], replicas[replicas.length - 1]];
    const earlier = await exchange(first, (await generate(first)).pairing_token);
    expect(earlier.status).toBe(200);
    const bearer = `Bearer ${earlier.body.access_token}`;
    // The last replica now has the earlier token cached as active.
    expect(
      (await requestJson(`${urlOf(last)}/system/info`, { authorization: bearer })).status,
    ).toBe(200);

    const again = await exchange(first, (await generate(first)).pairing_token);
    expect(again.status).toBe(200);

    const rejection = await untilRejected(last, bearer);
    expect(rejection.status).toBe(401);
    expect(rejection.afterMs).toBeLessThan(1_000);
    const latest = `Bearer ${again.body.access_token}`;
    expect(
      (await requestJson(`${urlOf(last)}/system/info`, { authorization: latest })).status,
    ).toBe(200);
  });

  const postgresOnly = dialect === 'postgres' ? it : it.skip;
  postgresOnly('checks the database while its revocation listener is down', async () => {
    const [first, last] = [replicas[0], replicas[replicas.length - 1]];
    const token = await requestJson(`${urlOf(first)}/tokens`, {
      method: 'POST',
      authorization: admin,
    });
    const bearer = `Bearer ${token.body.access_token}`;
    expect(
      (await requestJson(`${urlOf(last)}/system/info`, { authorization: bearer })).status,
    ).toBe(200);

    // Dropping every listener connection simulates a lost link to the database server.
    await first.context.dataSource.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [LISTENER_APPLICATION_NAME],
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const revoked = await requestJson(`${urlOf(first)}/tokens/${token.body.token_id}`, {
      method: 'DELETE',
      authorization: admin,
    });
    expect(revoked.status).toBe(204);

    const after = await requestJson(`${urlOf(last)}/system/info`, { authorization: bearer });
    expect(after.status).toBe(401);
  });
});
