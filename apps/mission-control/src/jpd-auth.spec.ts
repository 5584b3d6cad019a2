import { basicAuth, requestJson, testDialects } from '@service-trust/server/testing';

import {
  addJpd,
  expectError,
  JPD_ADMIN_PASSWORD,
  TestServices,
  type JpdInstance,
  type MissionControlInstance,
} from './testing/harness';

describe.each(testDialects())('admin authentication of /jpds on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;
  let jpd: JpdInstance;
  let id: string;

  beforeAll(async () => {
    services = new TestServices(dialect, 'auth');
    mc = await services.startMissionControl();
    jpd = await services.startJpd();
    id = (await addJpd(mc, jpd)).body.id;
  });

  afterAll(async () => {
    await services?.closeAll();
  });

  // Each route with a valid body, so only the credentials can be at fault.
  const routes: Array<[string, (jpdId: string) => string, unknown]> = [
    ['POST', () => '/jpds', { name: 'x', url: 'http://127.0.0.1:1', token: 'x' }],
    ['GET', () => '/jpds', undefined],
    ['GET', (jpdId) => `/jpds/${jpdId}`, undefined],
    ['PUT', (jpdId) => `/jpds/${jpdId}`, { name: 'renamed-without-credentials' }],
    ['DELETE', (jpdId) => `/jpds/${jpdId}`, undefined],
    ['POST', (jpdId) => `/jpds/${jpdId}/probe`, undefined],
  ];
  const routeCases = routes.map(
    ([method, path, json]) => [`${method} ${path('{id}')}`, method, path, json] as const,
  );

  it.each(routeCases)('%s requires credentials', async (_label, method, path, json) => {
    const response = await mc.request(path(id), { method, json, authorization: null });

    expectError(response, 401, 'UNAUTHORIZED', /Authentication is required/);
    expect(response.headers.get('www-authenticate')).toMatch(/Basic/);
  });

  it.each(routeCases)('%s rejects a wrong password', async (_label, method, path, json) => {
    const response = await mc.request(path(id), {
      method,
      json,
      authorization: basicAuth('admin', JPD_ADMIN_PASSWORD),
    });

    expectError(response, 401, 'UNAUTHORIZED', /Bad credentials/);
  });

  it('leaves the JPD unchanged after rejected requests', async () => {
    const response = await mc.request(`/jpds/${id}`);

    expect(response.status).toBe(200);
    expect(response.body.name).not.toBe('renamed-without-credentials');
  });

  it('leaves a pairing token unused without credentials', async () => {
    const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();

    const response = await mc.request('/jpds', {
      method: 'POST',
      json: { name: 'anonymous', url: jpd.baseUrl, token },
      authorization: null,
    });

    expectError(response, 401, 'UNAUTHORIZED', /Authentication is required/);
    expect(await jpd.tokenStatus(tokenId)).toBe('active');
  });

  it('rejects an admin token of the JPD', async () => {
    const token = await jpd.issueAdminToken();

    const response = await mc.request('/jpds', { authorization: `Bearer ${token}` });

    expectError(response, 401, 'ERR_TOKEN_SIGNATURE_INVALID', /signature does not match any key/);
  });

  it('accepts an admin token of Mission Control', async () => {
    const created = await requestJson(mc.url('/tokens'), {
      method: 'POST',
      authorization: mc.admin,
    });

    const response = await mc.request('/jpds', {
      authorization: `Bearer ${created.body.access_token}`,
    });

    expect(created.status).toBe(200);
    expect(response.status).toBe(200);
    expect(response.body.map((item: { id: string }) => item.id)).toContain(id);
  });
});
