import Database from 'better-sqlite3';
import { Client } from 'pg';

import {
  POSTGRES_ADMIN_URL_VARIABLE,
  requestJson,
  testDialects,
  type JsonResponse,
} from '@service-trust/server/testing';

import {
  exchange,
  expectError,
  issuePairingToken,
  startAccess,
  tokenState,
  type AccessInstance,
} from './test-harness';

/** Asserts the response for an unreachable database: 503, Retry-After and the error shape. */
function expectUnavailable(response: JsonResponse): void {
  expectError(response, 503, 'SERVICE_UNAVAILABLE');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(JSON.stringify(response.body)).not.toMatch(/ECONN|SQLITE|postgres|at .*\.js/i);
}

/** Counts the pairings the admin API lists. */
async function pairingCount(access: AccessInstance): Promise<number> {
  const response = await requestJson(access.url('/service_trust/pairings'), {
    authorization: access.admin,
  });
  return response.body.pairings.length;
}

const onPostgres = testDialects().includes('postgres') ? describe : describe.skip;

onPostgres('exchange while PostgreSQL fails', () => {
  let access: AccessInstance;
  let admin: Client;
  let databaseName: string;

  beforeAll(async () => {
    access = await startAccess({ dialect: 'postgres' });
    databaseName = new URL(access.databaseUrl).pathname.slice(1);
    admin = new Client({ connectionString: process.env[POSTGRES_ADMIN_URL_VARIABLE] });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
    await admin?.end();
    await access?.dispose();
  });

  /** Closes every session of the service's database, as a server restart does. */
  const terminateSessions = () =>
    admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [databaseName],
    );

  it('answers 503 while the database refuses connections, then exchanges the same token', async () => {
    const issued = await issuePairingToken(access);
    const pairingsBefore = await pairingCount(access);
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS false`);
    await terminateSessions();

    try {
      expectUnavailable(await exchange(access, issued.pairing_token));
      expectUnavailable(await exchange(access, issued.pairing_token));
    } finally {
      await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
    }

    expect((await tokenState(access, issued.token_id)).body.status).toBe('active');
    expect(await pairingCount(access)).toBe(pairingsBefore);
    const retried = await exchange(access, issued.pairing_token);
    expect(retried.status).toBe(200);
    expect((await tokenState(access, retried.body.token_id)).body.status).toBe('active');
  });

  it('rolls back an exchange whose connection breaks inside the transaction', async () => {
    const issued = await issuePairingToken(access);
    const pairingsBefore = await pairingCount(access);
    // The pairing insert waits, so the test can cut the connection after the token was marked
    // used and before the transaction commits.
    const service = new Client({ connectionString: access.databaseUrl });
    await service.connect();
    try {
      await service.query(
        'CREATE FUNCTION slow_pairing_insert() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$ LANGUAGE plpgsql',
      );
      await service.query(
        'CREATE TRIGGER slow_pairing_insert BEFORE INSERT ON pairings FOR EACH ROW EXECUTE FUNCTION slow_pairing_insert()',
      );
    } finally {
      await service.end();
    }

    const pending = exchange(access, issued.pairing_token);
    const waiting = async (): Promise<boolean> => {
      const { rows } = await admin.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%INSERT INTO \"pairings\"%' AND state = 'active'",
        [databaseName],
      );
      return rows.length > 0;
    };
    for (let attempt = 0; attempt < 100 && !(await waiting()); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await waiting()).toBe(true);
    await terminateSessions();

    expectUnavailable(await pending);

    const cleanup = new Client({ connectionString: access.databaseUrl });
    await cleanup.connect();
    await cleanup.query('DROP TRIGGER slow_pairing_insert ON pairings');
    await cleanup.query('DROP FUNCTION slow_pairing_insert()');
    await cleanup.end();
    expect((await tokenState(access, issued.token_id)).body.status).toBe('active');
    expect(await pairingCount(access)).toBe(pairingsBefore);
    const retried = await exchange(access, issued.pairing_token);
    expect(retried.status).toBe(200);
  });

  it('keeps answering 500 for a failure that is not the connection', async () => {
    const issued = await issuePairingToken(access);
    const service = new Client({ connectionString: access.databaseUrl });
    await service.connect();
    try {
      await service.query(
        "CREATE FUNCTION fail_pairing_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$ LANGUAGE plpgsql",
      );
      await service.query(
        'CREATE TRIGGER fail_pairing_insert BEFORE INSERT ON pairings FOR EACH ROW EXECUTE FUNCTION fail_pairing_insert()',
      );

      const failed = await exchange(access, issued.pairing_token);

      expectError(failed, 500, 'INTERNAL_ERROR');
      expect(failed.body.errors[0].message).toMatch(
        /^The request failed\. Correlation id: [\w-]+\.$/,
      );
      expect(JSON.stringify(failed.body)).not.toMatch(/forced failure|trigger|\bat \S+ \(/);
    } finally {
      await service.query('DROP TRIGGER IF EXISTS fail_pairing_insert ON pairings');
      await service.query('DROP FUNCTION IF EXISTS fail_pairing_insert()');
      await service.end();
    }
    expect((await tokenState(access, issued.token_id)).body.status).toBe('active');
  });
});

describe('exchange while the SQLite file is locked', () => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect: 'sqlite' });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  it('answers 503 while another process holds the write lock, then exchanges the token', async () => {
    const issued = await issuePairingToken(access);
    const pairingsBefore = await pairingCount(access);
    const file = access.databaseUrl.replace(/^sqlite:/, '');
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');

    let response: JsonResponse;
    try {
      // The service waits for its busy timeout, then gives up on the locked file.
      response = await exchange(access, issued.pairing_token);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    expectUnavailable(response);
    expect((await tokenState(access, issued.token_id)).body.status).toBe('active');
    expect(await pairingCount(access)).toBe(pairingsBefore);
    const retried = await exchange(access, issued.pairing_token);
    expect(retried.status).toBe(200);
  }, 20_000);
});
