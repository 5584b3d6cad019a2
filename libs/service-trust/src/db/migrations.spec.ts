import {
  createTestDatabase,
  makeTempDir,
  pendingSchemaChanges,
  removeDir,
  testDialects,
} from '../testing';
import { serviceTrustEntities } from '../entities/schemas';
import { CreateServiceTrustTables1764806400000 } from '../migrations/1764806400000-create-service-trust-tables';
import { openDataSource } from './data-source';

describe.each(testDialects())('migrations on %s', (dialect) => {
  const dir = makeTempDir(`migrations-${dialect}`);
  afterAll(() => removeDir(dir));

  it('match the entities after applying to an empty database', async () => {
    const database = await createTestDatabase(dialect, dir);
    const dataSource = await openDataSource({
      databaseUrl: database.url,
      entities: serviceTrustEntities,
      migrations: [CreateServiceTrustTables1764806400000],
    });

    try {
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });

  it('revert cleanly and apply again', async () => {
    const database = await createTestDatabase(dialect, dir);
    const dataSource = await openDataSource({
      databaseUrl: database.url,
      entities: serviceTrustEntities,
      migrations: [CreateServiceTrustTables1764806400000],
    });

    try {
      await dataSource.undoLastMigration();
      expect(await dataSource.createQueryRunner().hasTable('tokens')).toBe(false);

      await dataSource.runMigrations();
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
