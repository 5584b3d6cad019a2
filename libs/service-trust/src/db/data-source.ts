import fs from 'node:fs';
import path from 'node:path';

import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';

import type { Dialect } from './dialect';
import { bindSqliteIntegers } from './sqlite-parameters';
import { serializeSqliteTransactions } from './sqlite-serializer';

/** Returns the dialect that `databaseUrl` selects. */
export function dialectOf(databaseUrl: string): Dialect {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  if (databaseUrl.startsWith('sqlite:')) return 'better-sqlite3';
  throw new TypeError(
    `"databaseUrl" must start with postgres:// or sqlite:, got ${databaseUrl.split(':')[0]}:`,
  );
}

/**
 * Opens a database, runs pending migrations, and returns the connected data source. A SQLite
 * file runs in WAL mode with a busy timeout, so concurrent writers wait instead of failing.
 */
export async function openDataSource(options: {
  databaseUrl: string;
  entities: (dialect: Dialect) => EntitySchema<any>[];
  migrations: Array<new () => MigrationInterface>;
  poolSize?: number;
}): Promise<DataSource> {
  const dialect = dialectOf(options.databaseUrl);
  const entities = options.entities(dialect);

  let dataSource: DataSource;
  if (dialect === 'postgres') {
    dataSource = new DataSource({
      type: 'postgres',
      url: options.databaseUrl,
      entities,
      migrations: options.migrations,
      synchronize: false,
      poolSize: options.poolSize ?? 10,
    });
  } else {
    const file = options.databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: file,
      entities,
      migrations: options.migrations,
      synchronize: false,
      enableWAL: true,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
      },
    });
  }

  await dataSource.initialize();
  if (dialect === 'better-sqlite3') {
    bindSqliteIntegers(dataSource);
    serializeSqliteTransactions(dataSource);
  }
  await runMigrationsExclusively(dataSource);
  return dataSource;
}

/** Advisory-lock key that serializes migrations of replicas starting at the same time. */
const MIGRATION_LOCK_KEY = 7_291_450;

/** Runs pending migrations, holding a PostgreSQL advisory lock so that one replica migrates. */
async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }

  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}
