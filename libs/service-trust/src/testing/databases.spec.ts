import { Client } from 'pg';

import { createTestDatabase, makeTempDir, removeDir, testDialects } from './index';

describe('test databases', () => {
  const dir = makeTempDir('databases-spec');
  afterAll(() => removeDir(dir));

  it('runs on PostgreSQL when the global setup found a server', () => {
    const dialects = testDialects();
    expect(dialects).toContain('sqlite');
    if (process.env.REQUIRE_POSTGRES === '1') expect(dialects).toContain('postgres');
  });

  const postgres = testDialects().includes('postgres') ? it : it.skip;
  postgres('creates and drops a PostgreSQL database', async () => {
    const database = await createTestDatabase('postgres', dir);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toMatch(/^test_[0-9a-f]{12}$/);

    await database.drop();
    const again = new Client({ connectionString: database.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });
});
