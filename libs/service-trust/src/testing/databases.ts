import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { Client } from 'pg';

/** Database dialects that the suites run on. */
export type TestDialect = 'sqlite' | 'postgres';

/** Environment variable through which Jest's global setup passes the server to the tests. */
export const POSTGRES_ADMIN_URL_VARIABLE = 'SERVICE_TRUST_TEST_POSTGRES_URL';

/**
 * Returns the dialects to run suites on: SQLite always, PostgreSQL when the global setup found a
 * server. With `REQUIRE_POSTGRES=1` a missing server is an error instead of a skip.
 */
export function testDialects(): TestDialect[] {
  if (process.env[POSTGRES_ADMIN_URL_VARIABLE]) return ['sqlite', 'postgres'];
  if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error('REQUIRE_POSTGRES=1 is set but no PostgreSQL server was found for the tests.');
  }
  return ['sqlite'];
}

/** A database for one test, and a way to drop it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database of `dialect`: a SQLite file in `dir`, or a new PostgreSQL database
 * on the test server.
 */
export async function createTestDatabase(dialect: TestDialect, dir: string): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    return {
      url: `sqlite:${path.join(dir, `test-${randomBytes(4).toString('hex')}.sqlite`)}`,
      drop: async () => undefined,
    };
  }

  const adminUrl = process.env[POSTGRES_ADMIN_URL_VARIABLE];
  if (!adminUrl) throw new Error('No PostgreSQL server was found for the tests.');

  const name = `test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  return {
    url: url.toString(),
    drop: () =>
      withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

async function withClient<T>(url: string, action: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}
