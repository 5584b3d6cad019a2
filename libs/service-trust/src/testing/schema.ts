import fs from 'node:fs';

import type { DataSource } from 'typeorm';

/**
 * Returns the SQL that TypeORM would run to make the database match the entities. An empty list
 * means that the migrations and the entities agree.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
  return upQueries.map((query) => query.query);
}

/**
 * Returns everything a service stored: the bytes of the SQLite file and its write-ahead log, or
 * every row of every table on PostgreSQL, so that a test can search it for secrets.
 */
export async function readWholeDatabase(
  dataSource: DataSource,
  databaseUrl: string,
): Promise<string> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    return [file, `${file}-wal`]
      .filter((name) => fs.existsSync(name))
      .map((name) => fs.readFileSync(name).toString('latin1'))
      .join('\n');
  }

  const tables: { table_name: string }[] = await dataSource.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const rows: string[] = [];
  for (const { table_name: table } of tables) {
    const dump: { row: string }[] = await dataSource.query(
      `SELECT row_to_json(t)::text AS row FROM "${table}" t`,
    );
    rows.push(...dump.map(({ row }) => row));
  }
  return rows.join('\n');
}
