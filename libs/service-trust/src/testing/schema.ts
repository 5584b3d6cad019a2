import type { DataSource } from 'typeorm';

/**
 * Returns the SQL that TypeORM would run to make the database match the entities. An empty list
 * means that the migrations and the entities agree.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
  return upQueries.map((query) => query.query);
}
