import { randomUUID } from 'node:crypto';
import path from 'node:path';

import type { DataSource } from 'typeorm';

import { Entities, serviceTrustEntities } from '../entities/schemas';
import type { AuditEventRecord } from '../entities/records';
import { serviceTrustMigrations } from '../migrations';
import { makeTempDir, removeDir } from '../testing';
import { openDataSource } from './data-source';
import { runOnSqlite } from './sqlite-serializer';

const event = (type: string): AuditEventRecord => ({
  id: randomUUID(),
  type,
  tokenId: null,
  pairingId: null,
  detail: null,
  createdAt: new Date(),
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('SQLite transactions', () => {
  const dir = makeTempDir('sqlite-serializer');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openDataSource({
      databaseUrl: `sqlite:${path.join(dir, 'test.sqlite')}`,
      entities: serviceTrustEntities,
      migrations: serviceTrustMigrations,
    });
  });

  afterAll(async () => {
    await dataSource.destroy();
    removeDir(dir);
  });

  const types = async () =>
    (await dataSource.getRepository<AuditEventRecord>(Entities.auditEvent).find())
      .map((row) => row.type)
      .sort();

  it('keeps a write made during a transaction that rolls back', async () => {
    const failing = dataSource.transaction(async (manager) => {
      await manager.getRepository(Entities.auditEvent).insert(event('inside'));
      await pause();
      throw new Error('roll back');
    });
    await pause();
    await dataSource.getRepository(Entities.auditEvent).insert(event('outside'));

    await expect(failing).rejects.toThrow('roll back');
    expect(await types()).toContain('outside');
    expect(await types()).not.toContain('inside');
  });

  it('keeps a concurrent transaction when another rolls back', async () => {
    const failing = dataSource.transaction(async (manager) => {
      await manager.getRepository(Entities.auditEvent).insert(event('failing'));
      await pause();
      throw new Error('roll back');
    });
    const succeeding = dataSource.transaction(async (manager) => {
      await manager.getRepository(Entities.auditEvent).insert(event('succeeding'));
    });

    await expect(failing).rejects.toThrow('roll back');
    await succeeding;
    expect(await types()).toContain('succeeding');
    expect(await types()).not.toContain('failing');
  });

  it('keeps synchronous work run during a transaction that rolls back', async () => {
    const failing = dataSource.transaction(async (manager) => {
      await manager.getRepository(Entities.auditEvent).insert(event('rolled back'));
      await pause();
      throw new Error('roll back');
    });
    await pause();
    const inserted = await runOnSqlite(dataSource, (db) => {
      const row = event('synchronous');
      return db
        .prepare('INSERT INTO "audit_events" ("id", "type", "created_at") VALUES (?, ?, ?)')
        .run(row.id, row.type, row.createdAt.toISOString()).changes;
    });

    await expect(failing).rejects.toThrow('roll back');
    expect(inserted).toBe(1);
    expect(await types()).toContain('synchronous');
    expect(await types()).not.toContain('rolled back');
  });
});
