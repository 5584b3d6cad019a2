import { POSTGRES_ADMIN_URL_VARIABLE } from './databases';
import { startTestPostgres, type TestPostgres } from './postgres-cluster';

declare global {
  var serviceTrustTestPostgres: TestPostgres | undefined;
}

/**
 * Jest global setup: finds a PostgreSQL server and passes its URL to the test workers. Without
 * one the PostgreSQL suites are skipped with a loud warning, or fail under REQUIRE_POSTGRES=1.
 */
export default async function setup(): Promise<void> {
  const { server, reasons } = await startTestPostgres();
  if (server) {
    globalThis.serviceTrustTestPostgres = server;
    process.env[POSTGRES_ADMIN_URL_VARIABLE] = server.adminUrl;
    process.stderr.write(`\nPostgreSQL for tests: ${server.source}\n`);
    return;
  }

  const message = [
    '',
    '!!! No PostgreSQL server for the tests; the PostgreSQL suites are SKIPPED.',
    ...reasons.map((reason) => `!!!   ${reason}`),
    '!!! Set TEST_DATABASE_URL, or install the postgresql package for initdb and pg_ctl.',
    '',
  ].join('\n');
  if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error(`REQUIRE_POSTGRES=1 is set and no PostgreSQL server was found.${message}`);
  }
  process.stderr.write(`${message}\n`);
}
