import { freePort, testDialects } from '@service-trust/server/testing';

import {
  expectError,
  TestClock,
  TestServices,
  type JpdInstance,
  type MissionControlInstance,
} from './testing/harness';

describe.each(testDialects())('pairing with a JPD on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;
  let jpd: JpdInstance;
  let otherJpd: JpdInstance;

  beforeAll(async () => {
    services = new TestServices(dialect, 'pairing');
    mc = await services.startMissionControl();
    jpd = await services.startJpd();
    otherJpd = await services.startJpd();
  });

  afterAll(async () => {
    await services?.closeAll();
  });

  const addJpdWith = (name: string, url: string, token: string) =>
    mc.request('/jpds', { method: 'POST', json: { name, url, token } });

  const listByUrl = async (url: string) =>
    (await mc.request(`/jpds?url=${encodeURIComponent(url)}`)).body;

  it('rejects a token from another JPD than the URL', async () => {
    const { pairing_token: token, token_id: tokenId } = await otherJpd.issuePairingToken();

    const response = await addJpdWith('mismatch', jpd.baseUrl, token);

    expectError(
      response,
      400,
      'URL_REJECTED',
      new RegExp(`base_url ${otherJpd.baseUrl} does not match the URL ${jpd.baseUrl}`),
    );
    expect(await otherJpd.tokenStatus(tokenId)).toBe('active');
  });

  it('rejects a token that is not a JWT', async () => {
    const response = await addJpdWith('not-a-jwt', jpd.baseUrl, 'not-a-jwt');

    expectError(response, 400, 'INVALID_TOKEN', /not a signed JWT/);
  });

  it('rejects a token with a tampered payload', async () => {
    const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tampered = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString(
      'base64url',
    );

    const response = await addJpdWith(
      'tampered',
      jpd.baseUrl,
      `${header}.${tampered}.${signature}`,
    );

    expectError(response, 400, 'INVALID_TOKEN', /signature does not match/);
    expect(await jpd.tokenStatus(tokenId)).toBe('active');
  });

  it('rejects an admin access token', async () => {
    const accessToken = await jpd.issueAdminToken();

    const response = await addJpdWith('access-token', jpd.baseUrl, accessToken);

    expectError(response, 400, 'INVALID_TOKEN', /wrong kind: expected typ "pairing\+jwt"/);
  });

  it('rejects a pairing token for another use case', async () => {
    // Mission Control issues tokens for use case jpd, which a JPD presents to it, never the reverse.
    const issued = await mc.request('/service_trust/pairing/jpd', { method: 'POST' });

    const response = await addJpdWith('wrong-use-case', mc.baseUrl, issued.body.pairing_token);

    expect(issued.status).toBe(200);
    expectError(response, 400, 'INVALID_TOKEN', /not a pairing token for mission-control/);
  });

  it('rejects a token signed by an impostor of the JPD', async () => {
    // The impostor publishes the real JPD's URL in its tokens, so the URL check passes and only
    // the signature, checked with keys fetched from that URL, gives it away.
    const impostor = await services.startJpd({ baseUrl: jpd.baseUrl });
    const { pairing_token: token } = await impostor.issuePairingToken();
    const pairingsBefore = await jpd.pairings();

    const response = await addJpdWith('impostor', jpd.baseUrl, token);

    expectError(response, 400, 'INVALID_TOKEN', /signature does not match any key/);
    expect(await jpd.pairings()).toEqual(pairingsBefore);
    expect(await listByUrl(jpd.baseUrl)).toEqual([]);
  });

  it('rejects a token that expired before it was presented', async () => {
    const clock = new TestClock();
    clock.advanceSeconds(-3600);
    const lateJpd = await services.startJpd({ clock });
    const { pairing_token: token, token_id: tokenId } = await lateJpd.issuePairingToken();

    const response = await addJpdWith('expired', lateJpd.baseUrl, token);

    expectError(response, 400, 'INVALID_TOKEN', /expired/);
    expect(await lateJpd.pairings()).toEqual([]);
    expect(await lateJpd.tokenStatus(tokenId)).toBe('active');
  });

  it('rejects a token that the JPD holds expired', async () => {
    const clock = new TestClock();
    const jpdAhead = await services.startJpd({ clock });
    const { pairing_token: token } = await jpdAhead.issuePairingToken({ expires_in: 60 });
    clock.advanceSeconds(600);

    const response = await addJpdWith('expired-at-jpd', jpdAhead.baseUrl, token);

    expectError(response, 400, 'PAIRING_REJECTED', /rejected the pairing token \(HTTP 401/);
    expect(await jpdAhead.pairings()).toEqual([]);
    expect(await listByUrl(jpdAhead.baseUrl)).toEqual([]);
  });

  it('rejects a revoked token', async () => {
    const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();
    const revoked = await fetch(jpd.url(`/tokens/${tokenId}`), {
      method: 'DELETE',
      headers: { authorization: jpd.admin },
    });

    const response = await addJpdWith('revoked', jpd.baseUrl, token);

    expect(revoked.status).toBe(204);
    expectError(response, 400, 'PAIRING_REJECTED', /rejected the pairing token \(HTTP 401/);
    expect(await listByUrl(jpd.baseUrl)).toEqual([]);
  });

  it('rejects a JPD that is not reachable', async () => {
    // A JPD whose BASE_URL names a port where nothing listens issues tokens for that dead URL.
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const misconfigured = await services.startJpd({ baseUrl: deadUrl });
    const { pairing_token: token } = await misconfigured.issuePairingToken();

    const response = await addJpdWith('unreachable', deadUrl, token);

    expectError(response, 400, 'JPD_UNREACHABLE', new RegExp(`${deadUrl} could not be reached`));
    expect(await listByUrl(deadUrl)).toEqual([]);
  });

  it('pairs after rejected attempts with a fresh token', async () => {
    const response = await addJpdWith(
      'finally',
      jpd.baseUrl,
      (await jpd.issuePairingToken()).pairing_token,
    );

    expect(response.status).toBe(201);
    expect(response.body.service_id).toBe(jpd.serviceId);
  });
});
