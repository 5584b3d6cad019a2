import {
  basicAuth,
  createTestDatabase,
  makeTempDir,
  removeDir,
  requestJson,
  testDialects,
} from '@service-trust/server/testing';

import { startBuiltService, type ServiceProcess } from './processes';

describe.each(testDialects())('built services on %s', (dialect) => {
  const dir = makeTempDir(`built-${dialect}`);
  const running: ServiceProcess[] = [];
  const drops: Array<() => Promise<void>> = [];

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    for (const drop of drops) await drop();
    removeDir(dir);
  });

  it('complete the handshake from dist with generated admin passwords', async () => {
    const envFor = async (name: string) => {
      const database = await createTestDatabase(dialect, dir);
      drops.push(database.drop);
      return {
        DATA_DIR: `${dir}/${name}`,
        DATABASE_URL: database.url,
        PROBE_INTERVAL_SECONDS: '0',
      };
    };
    const jpd = await startBuiltService('jpd-access', await envFor('jpd'));
    running.push(jpd);
    const mc = await startBuiltService('mission-control', await envFor('mc'));
    running.push(mc);

    const fs = await import('node:fs');
    const jpdPasswordFile = `${dir}/jpd/admin.password`;
    expect(fs.statSync(jpdPasswordFile).mode & 0o777).toBe(0o600);
    const jpdAdmin = basicAuth('admin', fs.readFileSync(jpdPasswordFile, 'utf8').trim());
    const mcAdmin = basicAuth('admin', fs.readFileSync(`${dir}/mc/admin.password`, 'utf8').trim());

    const pairing = await requestJson(
      `${jpd.url}/access/api/v1/service_trust/pairing/mission-control`,
      {
        method: 'POST',
        authorization: jpdAdmin,
      },
    );
    expect(pairing.status).toBe(200);

    const added = await requestJson(`${mc.url}/mc/api/v1/jpds`, {
      method: 'POST',
      authorization: mcAdmin,
      json: { name: 'built', url: jpd.url, token: pairing.body.pairing_token },
    });
    expect(added.status).toBe(201);
    expect(added.body.status.code).toBe('ONLINE');

    const log = jpd.output.join('\n');
    expect(log).toContain('admin.password');
    expect(log).not.toContain(fs.readFileSync(jpdPasswordFile, 'utf8').trim());
  });
});
