import { requestJson, testDialects } from '@service-trust/server/testing';

import {
  exchangeOrThrow,
  exchangeRequest,
  expectError,
  issuePairingToken,
  JWT_PATTERN,
  startAccess,
  stringValues,
  tokenState,
  UUID_PATTERN,
  type AccessInstance,
  type ExchangeBody,
  type PairingTokenBody,
} from './test-harness';

describe.each(testDialects())('trusted peers on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  /** Issues and exchanges a pairing token for a Mission Control at `baseUrl`. */
  async function pair(
    baseUrl: string,
  ): Promise<{ issued: PairingTokenBody; master: ExchangeBody }> {
    const issued = await issuePairingToken(access);
    const master = await exchangeOrThrow(access, issued.pairing_token, exchangeRequest(baseUrl));
    return { issued, master };
  }

  const listPairings = (authorization = access.admin) =>
    requestJson(access.url('/service_trust/pairings'), { authorization });

  const revokePairing = (
    json: unknown,
    useCase = 'mission-control',
    authorization = access.admin,
  ) =>
    requestJson(access.url(`/service_trust/pairings/${useCase}`), {
      method: 'DELETE',
      authorization,
      json,
    });

  const systemInfo = (master: ExchangeBody) =>
    requestJson(access.url('/system/info'), { authorization: `Bearer ${master.access_token}` });

  it('lists a pairing without token text', async () => {
    const { issued, master } = await pair('http://127.0.0.1:18100');

    const response = await listPairings();

    expect(response.status).toBe(200);
    const entry = response.body.pairings.find(
      (pairing: { base_url: string }) => pairing.base_url === 'http://127.0.0.1:18100',
    );
    expect(entry).toEqual({
      id: expect.stringMatching(UUID_PATTERN),
      trust: 'ONE_WAY',
      use_case: 'mission-control',
      service_id: exchangeRequest().service_id,
      base_url: 'http://127.0.0.1:18100',
      name: exchangeRequest().name,
      status: 'active',
      master_token_id: master.token_id,
      created_at: expect.any(String),
    });
    const values = stringValues(response.body);
    expect(values.filter((value) => JWT_PATTERN.test(value))).toEqual([]);
    expect(JSON.stringify(response.body)).not.toContain(issued.pairing_token);
    expect(JSON.stringify(response.body)).not.toContain(master.access_token);
  });

  it('stores the base URL normalized', async () => {
    await pair('http://127.0.0.1:18101/mission-control/');

    const response = await listPairings();

    const urls = response.body.pairings.map((pairing: { base_url: string }) => pairing.base_url);
    expect(urls).toContain('http://127.0.0.1:18101/mission-control');
  });

  it('requires admin to list pairings', async () => {
    const response = await requestJson(access.url('/service_trust/pairings'));

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('revokes trust and its master token', async () => {
    const { master } = await pair('http://127.0.0.1:18102');
    const before = await systemInfo(master);

    const revoked = await revokePairing({ base_url: 'http://127.0.0.1:18102' });
    const after = await systemInfo(master);

    expect(before.status).toBe(200);
    expect(revoked.status).toBe(204);
    expectError(after, 401, 'ERR_TOKEN_REVOKED');
  });

  it('shows revoked trust as revoked', async () => {
    const { master } = await pair('http://127.0.0.1:18103');

    await revokePairing({ base_url: 'http://127.0.0.1:18103' });
    const list = await listPairings();
    const state = await tokenState(access, master.token_id);

    const entry = list.body.pairings.find(
      (pairing: { master_token_id: string }) => pairing.master_token_id === master.token_id,
    );
    expect(entry.status).toBe('revoked');
    expect(typeof entry.revoked_at).toBe('string');
    expect(state.body.status).toBe('revoked');
  });

  it('matches the base URL after normalizing', async () => {
    const { master } = await pair('http://127.0.0.1:18104/');

    const revoked = await revokePairing({ base_url: 'http://127.0.0.1:18104' });

    expect(revoked.status).toBe(204);
    expect((await systemInfo(master)).status).toBe(401);
  });

  it('returns 404 when revoking twice', async () => {
    await pair('http://127.0.0.1:18105');
    await revokePairing({ base_url: 'http://127.0.0.1:18105' });

    const again = await revokePairing({ base_url: 'http://127.0.0.1:18105' });

    expectError(again, 404, 'NOT_FOUND');
  });

  it('returns 404 for a peer never paired', async () => {
    const response = await revokePairing({ base_url: 'http://127.0.0.1:18199' });

    expectError(response, 404, 'NOT_FOUND');
  });

  it.each(['unknown', 'jpd'])('returns 404 for use case %s', async (useCase) => {
    const { master } = await pair('http://127.0.0.1:18106');

    const response = await revokePairing({ base_url: 'http://127.0.0.1:18106' }, useCase);

    expectError(response, 404, 'NOT_FOUND');
    expect((await systemInfo(master)).status).toBe(200);
    await revokePairing({ base_url: 'http://127.0.0.1:18106' });
  });

  it.each([
    ['a missing base_url', {}],
    ['an empty base_url', { base_url: '' }],
    ['a base_url that is no URL', { base_url: 'mission control' }],
    ['an ftp base_url', { base_url: 'ftp://127.0.0.1:18107' }],
    ['a numeric base_url', { base_url: 18107 }],
    ['an unknown field', { base_url: 'http://127.0.0.1:18107', service_id: 'jfmc@x' }],
  ])('rejects %s', async (_case, body) => {
    const { master } = await pair('http://127.0.0.1:18107');

    const response = await revokePairing(body);

    expectError(response, 400, 'INVALID_REQUEST');
    expect((await systemInfo(master)).status).toBe(200);
    await revokePairing({ base_url: 'http://127.0.0.1:18107' });
  });

  it('rejects a request without a body', async () => {
    const response = await requestJson(access.url('/service_trust/pairings/mission-control'), {
      method: 'DELETE',
      authorization: access.admin,
    });

    expectError(response, 400, 'INVALID_REQUEST');
  });

  it('requires admin to revoke', async () => {
    const { master } = await pair('http://127.0.0.1:18108');

    const anonymous = await requestJson(access.url('/service_trust/pairings/mission-control'), {
      method: 'DELETE',
      json: { base_url: 'http://127.0.0.1:18108' },
    });
    const asPeer = await revokePairing(
      { base_url: 'http://127.0.0.1:18108' },
      'mission-control',
      `Bearer ${master.access_token}`,
    );

    expectError(anonymous, 401, 'UNAUTHORIZED');
    expectError(asPeer, 403, 'FORBIDDEN');
    expect((await systemInfo(master)).status).toBe(200);
  });

  it('revokes the old master token on re-pairing', async () => {
    const first = await pair('http://127.0.0.1:18109');
    const beforeRepairing = await systemInfo(first.master);

    const second = await pair('http://127.0.0.1:18109');

    expect(beforeRepairing.status).toBe(200);
    expectError(await systemInfo(first.master), 401, 'ERR_TOKEN_REVOKED');
    expect((await systemInfo(second.master)).status).toBe(200);
    const list = await listPairings();
    const forPeer = list.body.pairings.filter(
      (pairing: { base_url: string }) => pairing.base_url === 'http://127.0.0.1:18109',
    );
    const statusByToken = Object.fromEntries(
      forPeer.map((pairing: { master_token_id: string; status: string }) => [
        pairing.master_token_id,
        pairing.status,
      ]),
    );
    expect(statusByToken).toEqual({
      [first.master.token_id]: 'revoked',
      [second.master.token_id]: 'active',
    });
  });

  it('keeps other peers on re-pairing', async () => {
    const other = await pair('http://127.0.0.1:18110');

    await pair('http://127.0.0.1:18111');

    expect((await systemInfo(other.master)).status).toBe(200);
  });

  it('ends trust when the master token is revoked', async () => {
    const { master } = await pair('http://127.0.0.1:18112');
    const before = await systemInfo(master);

    const revoked = await requestJson(access.url(`/tokens/${master.token_id}`), {
      method: 'DELETE',
      authorization: access.admin,
    });
    const list = await listPairings();

    expect(before.status).toBe(200);
    expect(revoked.status).toBe(204);
    expectError(await systemInfo(master), 401, 'ERR_TOKEN_REVOKED');
    const entry = list.body.pairings.find(
      (pairing: { master_token_id: string }) => pairing.master_token_id === master.token_id,
    );
    expect(entry.status).toBe('revoked');
  });
});
