import { requestJson, testDialects } from '@service-trust/server/testing';

import {
  addJpd,
  expectError,
  TestServices,
  type JpdInstance,
  type MissionControlInstance,
} from './testing/harness';

describe.each(testDialects())('Mission Control admin page on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;
  let jpd: JpdInstance;
  let cookie: string;
  let csrfToken: string;

  beforeAll(async () => {
    services = new TestServices(dialect, 'admin-page');
    mc = await services.startMissionControl();
    jpd = await services.startJpd();
    await addJpd(mc, jpd, { name: 'listed' });

    const signedIn = await requestJson(mc.url('/ui/session'), {
      method: 'POST',
      authorization: mc.admin,
    });
    cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0];
    csrfToken = signedIn.body.csrf_token;
  });

  afterAll(async () => {
    await services?.closeAll();
  });

  it('serves the page and the shared assets', async () => {
    const html = await fetch(`${mc.baseUrl}/ui/`);
    const client = await fetch(`${mc.baseUrl}/ui/shared/admin-client.js`);

    expect(html.status).toBe(200);
    expect(await html.text()).toContain('Add JPD');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(client.status).toBe(200);
  });

  it('names its session cookie apart from the JPD', () => {
    expect(cookie).toMatch(/^admin_session_jfmc_[0-9a-z]+=/);
  });

  it('lists JPDs to a signed-in browser', async () => {
    const response = await requestJson(mc.url('/jpds'), { headers: { cookie } });

    expect(response.status).toBe(200);
    expect(response.body.map((item: { name: string }) => item.name)).toEqual(['listed']);
  });

  it('adds no JPD without the CSRF token', async () => {
    const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();

    const response = await requestJson(mc.url('/jpds'), {
      method: 'POST',
      headers: { cookie },
      json: { name: 'forged', url: jpd.baseUrl, token },
    });

    expectError(response, 403, 'CSRF_TOKEN_INVALID', /X-CSRF-Token/);
    expect(await jpd.tokenStatus(tokenId)).toBe('active');
  });

  it('returns the reason of a rejected add to the page', async () => {
    const response = await requestJson(mc.url('/jpds'), {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken },
      json: { name: 'same-url', url: jpd.baseUrl, token: 'not-a-token' },
    });

    expectError(response, 409, 'CONFLICT', /already exists/);
  });
});
