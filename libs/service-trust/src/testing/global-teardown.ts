/** Jest global teardown: stops the PostgreSQL server that the global setup started. */
export default async function teardown(): Promise<void> {
  await globalThis.serviceTrustTestPostgres?.stop();
}
