import { AsyncLocalStorage } from 'node:async_hooks';

import type { Database } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

/** Runs synchronous work on a data source's connection once no transaction is open on it. */
type ExclusiveRunner = <T>(work: (db: Database) => T) => Promise<T>;

const exclusiveRunners = new WeakMap<DataSource, ExclusiveRunner>();

/**
 * Makes transactions on a better-sqlite3 data source exclusive. TypeORM runs every query of such a
 * data source on one connection. Without this, a statement that another request issues while a
 * transaction waits between two of its statements runs inside that transaction, so a rollback
 * would undo the other request's write. Here a transaction holds a lock from BEGIN to COMMIT, and
 * any statement from outside it waits for the lock.
 */
export function serializeSqliteTransactions(dataSource: DataSource): void {
  const context = new AsyncLocalStorage<symbol>();
  let owner: symbol | undefined;
  let released: Promise<void> = Promise.resolve();

  // Each wait below checks the owner and starts the work in the same tick, so no transaction can
  // begin in between. Moving the loop into an async helper would add a tick and lose that.
  const runner = dataSource.driver.createQueryRunner('master');
  const query = runner.query.bind(runner);
  runner.query = (async (...args: Parameters<typeof query>) => {
    while (owner !== undefined && context.getStore() !== owner) await released;
    return query(...args);
  }) as typeof runner.query;

  // Synchronous work cannot interleave with anything, so it only waits for an open transaction.
  const db = (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  exclusiveRunners.set(dataSource, async (work) => {
    while (owner !== undefined && context.getStore() !== owner) await released;
    return work(db);
  });

  const transaction = dataSource.manager.transaction.bind(dataSource.manager);
  dataSource.manager.transaction = (async (...args: unknown[]) => {
    if (owner !== undefined && context.getStore() === owner) {
      return (transaction as (...a: unknown[]) => Promise<unknown>)(...args);
    }

    while (owner !== undefined) await released;
    const token = Symbol('transaction');
    let release!: () => void;
    owner = token;
    released = new Promise((resolve) => (release = resolve));
    try {
      return await context.run(token, () =>
        (transaction as (...a: unknown[]) => Promise<unknown>)(...args),
      );
    } finally {
      owner = undefined;
      release();
    }
  }) as typeof dataSource.manager.transaction;
}

/**
 * Runs `work` on the better-sqlite3 connection of `dataSource` when no transaction started through
 * TypeORM is open on it. `work` must be synchronous: nothing else can then run between its
 * statements, so a `db.transaction` inside it needs no lock of its own.
 */
export function runOnSqlite<T>(dataSource: DataSource, work: (db: Database) => T): Promise<T> {
  const run = exclusiveRunners.get(dataSource);
  if (!run)
    throw new Error('runOnSqlite needs a better-sqlite3 data source opened by openDataSource.');
  return run(work);
}
