import { requestJson, testDialects } from '@service-trust/server/testing';

import {
  addJpd,
  TestServices,
  type JpdInstance,
  type MissionControlInstance,
} from './testing/harness';

describe.each(testDialects())('JPD status probes on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;

  beforeAll(async () => {
    services = new TestServices(dialect, 'status');
    mc = await services.startMissionControl();
  });

  afterAll(async () => {
    await services?.closeAll();
  });

  const probe = (id: string) => mc.request(`/jpds/${id}/probe`, { method: 'POST' });

  const revokeTrustAt = (jpd: JpdInstance) =>
    requestJson(jpd.url('/service_trust/pairings/mission-control'), {
      method: 'DELETE',
      authorization: jpd.admin,
      json: { base_url: mc.baseUrl },
    });

  it('reports a paired JPD as ONLINE', async () => {
    const jpd = await services.startJpd();
    const { body: added } = await addJpd(mc, jpd);

    const response = await probe(added.id);

    expect(response.status).toBe(200);
    expect(response.body.id).toBe(added.id);
    expect(response.body.status.code).toBe('ONLINE');
    expect(response.body.status.message).toMatch(/online \(version 0\.1\.0\)/);
    expect(Date.parse(response.body.status.checked_at)).toBeGreaterThanOrEqual(
      Date.parse(added.status.checked_at),
    );
    expect(JSON.stringify(response.body)).not.toContain('eyJ');
  });

  it('reports UNAUTHORIZED after the JPD revokes trust', async () => {
    const jpd = await services.startJpd();
    const { body: added } = await addJpd(mc, jpd);

    const revoked = await revokeTrustAt(jpd);
    const response = await probe(added.id);
    const fetched = await mc.request(`/jpds/${added.id}`);

    expect(revoked.status).toBe(204);
    expect(response.status).toBe(200);
    expect(response.body.status.code).toBe('UNAUTHORIZED');
    expect(response.body.status.message).toMatch(/rejected the master token \(HTTP 401\)/);
    expect(fetched.body.status.code).toBe('UNAUTHORIZED');
  });

  it('reports OFFLINE when the JPD is stopped', async () => {
    const jpd = await services.startJpd();
    const { body: added } = await addJpd(mc, jpd);

    await jpd.close();
    const response = await probe(added.id);
    const offline = await mc.request('/jpds?status=OFFLINE');

    expect(response.status).toBe(200);
    expect(response.body.status.code).toBe('OFFLINE');
    expect(response.body.status.message).toMatch(new RegExp(`${jpd.baseUrl} could not be reached`));
    expect(offline.body.map((item: { id: string }) => item.id)).toContain(added.id);
  });

  it('reports ONLINE again when the JPD restarts', async () => {
    const jpd = await services.startJpd();
    const { body: added } = await addJpd(mc, jpd);
    await jpd.close();
    const whileStopped = await probe(added.id);

    await services.startJpd({ restartOf: jpd });
    const response = await probe(added.id);

    expect(whileStopped.body.status.code).toBe('OFFLINE');
    expect(response.body.status.code).toBe('ONLINE');
  });

  it('reports ONLINE after re-pairing a revoked JPD', async () => {
    const jpd = await services.startJpd();
    const { body: added } = await addJpd(mc, jpd);
    await revokeTrustAt(jpd);
    const { pairing_token: token } = await jpd.issuePairingToken();

    const updated = await mc.request(`/jpds/${added.id}`, { method: 'PUT', json: { token } });
    const fetched = await mc.request(`/jpds/${added.id}`);

    expect(updated.status).toBe(204);
    expect(fetched.body.status.code).toBe('ONLINE');
  });
});
