import { randomUUID } from 'node:crypto';
import path from 'node:path';

import type { DataSource } from 'typeorm';

import type { AuditEventRecord, ServiceIdentityRecord } from '../entities/records';
import { Entities, serviceTrustEntities } from '../entities/schemas';
import { serviceTrustMigrations } from '../migrations';
import { makeTempDir, removeDir } from '../testing';
import { openDataSource } from './data-source';

describe('SQLite integer parameters', () => {
  const dir = makeTempDir('sqlite-parameters');
  let dataSource: DataSource;
  const identities = () =>
    dataSource.getRepository<ServiceIdentityRecord>(Entities.serviceIdentity);

  beforeAll(async () => {
    dataSource = await openDataSource({
      databaseUrl: `sqlite:${path.join(dir, 'test.sqlite')}`,
      entities: serviceTrustEntities,
      migrations: serviceTrustMigrations,
    });
    for (const id of [7, 8]) {
      await identities().insert({ id, serviceId: `service-${id}`, createdAt: new Date() });
    }
  });

  afterAll(async () => {
    await dataSource.destroy();
    removeDir(dir);
  });

  it('writes one statement for different integers', () => {
    const select = (id: number) =>
      identities().createQueryBuilder('identity').where({ id }).getQueryAndParameters();

    const [seventhQuery, seventhParameters] = select(7);
    const [eighthQuery, eighthParameters] = select(8);

    expect(seventhQuery).toBe(eighthQuery);
    expect(seventhQuery).not.toMatch(/\b7\b/);
    expect(seventhParameters).toEqual([7n]);
    expect(eighthParameters).toEqual([8n]);
  });

  it('finds a row by a bound integer key', async () => {
    const found = await identities().findOneBy({ id: 8 });

    expect(found?.serviceId).toBe('service-8');
    expect(found?.id).toBe(8);
  });

  it('compares a text column with an integer as the literal would', async () => {
    const events = dataSource.getRepository<AuditEventRecord>(Entities.auditEvent);
    const id = randomUUID();
    await events.insert({
      id,
      type: '42',
      tokenId: null,
      pairingId: null,
      detail: null,
      createdAt: new Date(),
    });

    const matching = await events
      .createQueryBuilder('event')
      .where('event.type = :type', { type: 42 })
      .getMany();

    expect(matching.map((event) => event.id)).toEqual([id]);
  });
});
