import { pendingSchemaChanges, testDialects } from '@service-trust/server/testing';

import { addJpd, TestServices } from './testing/harness';

describe.each(testDialects())('Mission Control database on %s', (dialect) => {
  let services: TestServices;

  beforeEach(() => {
    services = new TestServices(dialect, 'migrations');
  });

  afterEach(async () => {
    await services?.closeAll();
  });

  it('leaves no pending schema change', async () => {
    const mc = await services.startMissionControl();
    const dataSource = mc.service.context.dataSource;

    expect(await dataSource.showMigrations()).toBe(false);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('creates the jpds table', async () => {
    const mc = await services.startMissionControl();
    const queryRunner = mc.service.context.dataSource.createQueryRunner();

    try {
      expect(await queryRunner.hasTable('jpds')).toBe(true);
    } finally {
      await queryRunner.release();
    }
  });

  it('reverts the jpds migrations and applies them again', async () => {
    const mc = await services.startMissionControl();
    const dataSource = mc.service.context.dataSource;
    const queryRunner = dataSource.createQueryRunner();

    try {
      const jpdsColumns = async () =>
        (await queryRunner.getTable('jpds'))?.columns.map((column) => column.name) ?? [];
      // Shared migrations are interleaved with the jpds ones by timestamp, so undo until the
      // two-way columns are gone, then until the table is.
      let columnsAfterTwoWayUndo = await jpdsColumns();
      for (let undo = 0; undo < 10 && columnsAfterTwoWayUndo.includes('two_way_status'); undo++) {
        await dataSource.undoLastMigration();
        columnsAfterTwoWayUndo = await jpdsColumns();
      }
      for (let undo = 0; undo < 10 && (await queryRunner.hasTable('jpds')); undo++) {
        await dataSource.undoLastMigration();
      }
      const afterUndo = await queryRunner.hasTable('jpds');
      await dataSource.runMigrations();

      expect(columnsAfterTwoWayUndo).toContain('status_message');
      expect(columnsAfterTwoWayUndo).not.toContain('two_way_status');
      expect(afterUndo).toBe(false);
      expect(await queryRunner.hasTable('jpds')).toBe(true);
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    } finally {
      await queryRunner.release();
    }
  });

  it('keeps JPDs and the service id across a restart', async () => {
    const mc = await services.startMissionControl();
    const jpd = await services.startJpd();
    const { body: added } = await addJpd(mc, jpd);
    await mc.close();

    const restarted = await services.startMissionControl({ restartOf: mc });
    const probe = await restarted.request(`/jpds/${added.id}/probe`, { method: 'POST' });

    expect(restarted.serviceId).toBe(mc.serviceId);
    expect(await pendingSchemaChanges(restarted.service.context.dataSource)).toEqual([]);
    expect(probe.status).toBe(200);
    expect(probe.body.name).toBe(added.name);
    expect(probe.body.status.code).toBe('ONLINE');
  });

  it('refuses to start with another key-encryption key', async () => {
    const mc = await services.startMissionControl();
    const jpd = await services.startJpd();
    await addJpd(mc, jpd);
    await mc.close();

    // A new data folder gets a newly generated key-encryption key, which opens none of the
    // stored secrets.
    const restart = services.startMissionControl({ restartOf: mc, newDataDir: true });

    await expect(restart).rejects.toThrow(/cannot be decrypted with this key-encryption key/);
  });
});
