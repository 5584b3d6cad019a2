import {
  createTestDatabase,
  makeTempDir,
  pendingSchemaChanges,
  removeDir,
  testDialects,
} from '../testing';
import { serviceTrustEntities } from '../entities/schemas';
import { serviceTrustMigrations } from '../migrations';
import { openDataSource } from './data-source';

describe.each(testDialects())('migrations on %s', (dialect) => {
  const dir = makeTempDir(`migrations-${dialect}`);
  afterAll(() => removeDir(dir));

  it('match the entities after applying to an empty database', async () => {
    const database = await createTestDatabase(dialect, dir);
    const dataSource = await openDataSource({
      databaseUrl: database.url,
      entities: serviceTrustEntities,
      migrations: serviceTrustMigrations,
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
      migrations: serviceTrustMigrations,
    });

    try {
      for (let step = 0; step < serviceTrustMigrations.length; step++) {
        await dataSource.undoLastMigration();
      }
      const queryRunner = dataSource.createQueryRunner();
      expect(await queryRunner.hasTable('tokens')).toBe(false);
      expect(await queryRunner.hasTable('peer_credentials')).toBe(false);
      await queryRunner.release();

      await dataSource.runMigrations();
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
