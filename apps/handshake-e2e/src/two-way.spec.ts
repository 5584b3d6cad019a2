import {
  freePort,
  makeTempDir,
  removeDir,
  requestJson,
  testDialects,
} from '@service-trust/server/testing';

import {
  activeJpdPairingWith,
  addJpd,
  addJpdOneWay,
  addJpdTwoWay,
  createServiceHarness,
  expectError,
  expectNoTokenText,
  generateJpdToken,
  generateMcToken,
  getJpd,
  JPD_API,
  jpdAdmin,
  jpdPairings,
  listJpds,
  MC_API,
  mcAdmin,
  mcPairings,
  pairingExtensionOf,
  probe,
  putPeerToken,
  retryTwoWay,
  revokeAtJpd,
  revokeAtMc,
  sendHeartbeats,
  type TestService,
} from './two-way-harness';

/** Far enough ahead that a Mission Control pairing token, valid for 60 s, has expired. */
const TEN_MINUTES_MS = 10 * 60 * 1000;

describe.each(testDialects())('two-way trust on %s', (dialect) => {
  const dir = makeTempDir(`two-way-${dialect}`);
  const harness = createServiceHarness(dialect, dir);

  afterEach(() => harness.closeAll());
  afterAll(() => removeDir(dir));

  /** Starts a JPD and a Mission Control that trust nothing yet. */
  async function startPair(mcEnv?: Record<string, string>) {
    const jpd = await harness.startJpd();
    const mc = await harness.startMissionControl({ env: mcEnv });
    return { jpd, mc };
  }

  /** Returns Mission Control's active `jpd` pairings with `jpd`. */
  async function mcPairingsWith(mc: TestService, jpd: TestService) {
    return (await mcPairings(mc)).filter(
      (pairing) => pairing.base_url === jpd.baseUrl && pairing.status === 'active',
    );
  }

  describe('automatic callback', () => {
    it('establishes two-way trust on add', async () => {
      const { jpd, mc } = await startPair();
      const issued = await generateJpdToken(jpd, { two_way: true });
      expect(pairingExtensionOf(issued.pairing_token).pairing_url).toBe(
        `${jpd.baseUrl}${JPD_API}/service_trust/pairing/mission-control`,
      );

      const added = await addJpd(mc, jpd, 'paris', issued.pairing_token);
      expect(added.status).toBe(201);
      expectNoTokenText(added.body);
      expect(added.body.status.code).toBe('ONLINE');
      expect(added.body.trust).toBe('TWO_WAY');
      expect(added.body.two_way.status).toBe('ESTABLISHED');

      const fetched = await getJpd(mc, added.body.id);
      expect(fetched.trust).toBe('TWO_WAY');
      expect(fetched.two_way.status).toBe('ESTABLISHED');

      const atJpd = await activeJpdPairingWith(jpd, mc.baseUrl);
      expect(atJpd.trust).toBe('TWO_WAY');
      expect(atJpd.service_id).toBe(mc.serviceId);
      expect(atJpd.reverse?.status).toBe('active');
      expect(atJpd.reverse?.service_id).toBe(mc.serviceId);
      expect(atJpd.reverse?.token_id).toEqual(expect.any(String));
      expect(atJpd.reverse?.last_error).toBeUndefined();

      const atMc = await mcPairingsWith(mc, jpd);
      expect(atMc).toHaveLength(1);
      expect(atMc[0].use_case).toBe('jpd');
      expect(atMc[0].service_id).toBe(jpd.serviceId);
      expect(atMc[0].master_token_id).toBe(atJpd.reverse?.token_id);
    });

    it('keeps one-way trust for a one-way token', async () => {
      const { jpd, mc } = await startPair();
      const issued = await generateJpdToken(jpd);
      expect(pairingExtensionOf(issued.pairing_token).pairing_url).toBeUndefined();

      const added = await addJpd(mc, jpd, 'one-way', issued.pairing_token);
      expect(added.status).toBe(201);
      expect(added.body.status.code).toBe('ONLINE');
      expect(added.body.trust).toBe('ONE_WAY');
      expect(added.body.two_way.status).toBe('NONE');

      const atJpd = await activeJpdPairingWith(jpd, mc.baseUrl);
      expect(atJpd.trust).toBe('ONE_WAY');
      expect(atJpd.reverse).toBeUndefined();
      expect(await mcPairingsWith(mc, jpd)).toEqual([]);
      expect(await sendHeartbeats(jpd)).toEqual([]);

      const retried = await retryTwoWay(mc, added.body.id);
      expectError(retried, 400, 'INVALID_REQUEST');
      expect(retried.body.errors[0].message).toMatch(/pairing URL/);
    });

    it('skips the callback when TWO_WAY_TRUST is false', async () => {
      const { jpd, mc } = await startPair({ TWO_WAY_TRUST: 'false' });

      const added = await addJpdTwoWay(mc, jpd);
      expect(added.status.code).toBe('ONLINE');
      expect(added.trust).toBe('ONE_WAY');
      expect(added.two_way.status).toBe('NONE');

      const atJpd = await activeJpdPairingWith(jpd, mc.baseUrl);
      expect(atJpd.reverse).toBeUndefined();
      expect(await mcPairingsWith(mc, jpd)).toEqual([]);
    });
  });

  describe('heartbeats', () => {
    it('records a heartbeat at Mission Control', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdTwoWay(mc, jpd);
      expect((await getJpd(mc, added.id)).last_heartbeat_at).toBeUndefined();

      const before = Date.now();
      const heartbeats = await sendHeartbeats(jpd);
      const after = Date.now();
      expect(heartbeats).toEqual([{ base_url: mc.baseUrl, ok: true, status: 204 }]);

      const lastHeartbeatAt = (await getJpd(mc, added.id)).last_heartbeat_at;
      expect(lastHeartbeatAt).toEqual(expect.any(String));
      expect(Date.parse(lastHeartbeatAt!)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(lastHeartbeatAt!)).toBeLessThanOrEqual(after);

      const reverse = (await activeJpdPairingWith(jpd, mc.baseUrl)).reverse;
      expect(reverse?.status).toBe('active');
      expect(reverse?.last_heartbeat_at).toEqual(expect.any(String));
      expect(reverse?.last_error).toBeUndefined();
    });

    it('rejects a heartbeat without a JPD master token', async () => {
      const { mc } = await startPair();
      const url = `${mc.url}${MC_API}/heartbeat`;

      expectError(await requestJson(url, { method: 'POST' }), 401, 'UNAUTHORIZED');
      // An administrator has every scope but is not a JPD, so there is no JPD to record.
      expectError(
        await requestJson(url, { method: 'POST', authorization: mcAdmin }),
        403,
        'FORBIDDEN',
      );
    });
  });

  describe('manual reverse pairing', () => {
    it('accepts a Mission Control token pasted at the JPD', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdOneWay(mc, jpd);
      const issued = await generateMcToken(mc);

      const accepted = await putPeerToken(jpd, issued.pairing_token, jpdAdmin);
      expect(accepted.status).toBe(200);
      expectNoTokenText(accepted.body);
      expect(accepted.body.service_id).toBe(mc.serviceId);
      expect(accepted.body.base_url).toBe(mc.baseUrl);

      const atJpd = await activeJpdPairingWith(jpd, mc.baseUrl);
      expect(atJpd.trust).toBe('TWO_WAY');
      expect(atJpd.reverse?.status).toBe('active');
      expect(atJpd.reverse?.service_id).toBe(mc.serviceId);
      expect(atJpd.reverse?.token_id).toBe(accepted.body.token_id);
      expect(await mcPairingsWith(mc, jpd)).toHaveLength(1);

      expect(await sendHeartbeats(jpd)).toEqual([{ base_url: mc.baseUrl, ok: true, status: 204 }]);
      expect((await getJpd(mc, added.id)).last_heartbeat_at).toEqual(expect.any(String));

      const replayed = await putPeerToken(jpd, issued.pairing_token, jpdAdmin);
      expectError(replayed, 409, 'TOKEN_ALREADY_USED');
    });

    // TWO_WAY means that the JPD has a live master token for Mission Control, however it got it.
    it('shows TWO_WAY at Mission Control after a pasted token', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdOneWay(mc, jpd);
      const issued = await generateMcToken(mc);
      expect((await putPeerToken(jpd, issued.pairing_token, jpdAdmin)).status).toBe(200);
      expect(await mcPairingsWith(mc, jpd)).toHaveLength(1);
      expect(await sendHeartbeats(jpd)).toEqual([{ base_url: mc.baseUrl, ok: true, status: 204 }]);

      expect((await getJpd(mc, added.id)).trust).toBe('TWO_WAY');
    });
  });

  describe('reverse pairing without a pairing', () => {
    it('lists a pasted token from an unpaired Mission Control', async () => {
      const { jpd, mc } = await startPair();
      const issued = await generateMcToken(mc);

      expect((await putPeerToken(jpd, issued.pairing_token, jpdAdmin)).status).toBe(200);

      const response = await requestJson(`${jpd.url}${JPD_API}/service_trust/pairings`, {
        authorization: jpdAdmin,
      });
      expect(response.status).toBe(200);
      expectNoTokenText(response.body);
      expect(response.body.pairings).toEqual([]);
      expect(response.body.reverse_only).toEqual([
        expect.objectContaining({
          service_id: mc.serviceId,
          base_url: mc.baseUrl,
          status: 'active',
        }),
      ]);
    });
  });

  describe('callbacks from strangers', () => {
    it('rejects a callback without a JPD credential', async () => {
      const { jpd, mc } = await startPair();
      await addJpdOneWay(mc, jpd);
      const issued = await generateMcToken(mc);

      const mcAccessToken = await requestJson(`${mc.url}${MC_API}/tokens`, {
        method: 'POST',
        authorization: mcAdmin,
      });
      expect(mcAccessToken.status).toBe(200);

      const attempts: Array<[string, string | undefined, string]> = [
        ['no credentials', undefined, 'UNAUTHORIZED'],
        ["Mission Control's admin password", mcAdmin, 'UNAUTHORIZED'],
        [
          'a Mission Control admin token',
          `Bearer ${mcAccessToken.body.access_token}`,
          'ERR_TOKEN_SIGNATURE_INVALID',
        ],
        [
          'a Mission Control pairing token',
          `Bearer ${issued.pairing_token}`,
          'ERR_TOKEN_TYPE_MISMATCH',
        ],
        ['a bearer value that is no token', 'Bearer not-a-token', 'ERR_TOKEN_MALFORMED'],
      ];
      for (const [label, authorization, code] of attempts) {
        const response = await putPeerToken(jpd, issued.pairing_token, authorization);
        expect({ label, status: response.status, body: response.body }).toEqual({
          label,
          status: 401,
          body: { errors: [{ code, message: expect.any(String) }] },
        });
      }

      expect((await activeJpdPairingWith(jpd, mc.baseUrl)).reverse).toBeUndefined();
      // The rejected calls did not consume Mission Control's token.
      expect((await putPeerToken(jpd, issued.pairing_token, jpdAdmin)).status).toBe(200);
    });

    it("rejects a peer token whose base URL is not the peer's", async () => {
      const jpd = await harness.startJpd();
      const first = await harness.startMissionControl();
      const second = await harness.startMissionControl();
      await addJpdOneWay(first, jpd);

      // The test exchanges a JPD token as the second Mission Control would, to hold the master
      // token that the JPD issued to it.
      const { pairing_token: jpdToken } = await generateJpdToken(jpd);
      const exchanged = await requestJson(`${jpd.url}${JPD_API}/service_trust/exchange`, {
        method: 'POST',
        authorization: `Bearer ${jpdToken}`,
        json: { service_id: second.serviceId, base_url: second.baseUrl, name: 'mission-control' },
      });
      expect(exchanged.status).toBe(200);
      const secondMasterToken = `Bearer ${exchanged.body.access_token as string}`;

      const firstToken = await generateMcToken(first);
      const mismatched = await putPeerToken(jpd, firstToken.pairing_token, secondMasterToken);
      expectError(mismatched, 400, 'URL_REJECTED');
      expect(mismatched.body.errors[0].message).toContain(first.baseUrl);
      expect((await activeJpdPairingWith(jpd, first.baseUrl)).reverse).toBeUndefined();
      expect((await activeJpdPairingWith(jpd, second.baseUrl)).reverse).toBeUndefined();

      // The same master token with the second Mission Control's own token is accepted.
      const own = await putPeerToken(
        jpd,
        (await generateMcToken(second)).pairing_token,
        secondMasterToken,
      );
      expect(own.status).toBe(200);
      expect(own.body.service_id).toBe(second.serviceId);
      expect((await activeJpdPairingWith(jpd, second.baseUrl)).reverse?.status).toBe('active');
      expect((await activeJpdPairingWith(jpd, first.baseUrl)).reverse).toBeUndefined();
    });
  });

  describe('failed callbacks', () => {
    it('reports an unreachable Mission Control as FAILED', async () => {
      const jpd = await harness.startJpd();
      // Mission Control listens on its own port but gives peers a BASE_URL where nothing
      // listens, so the JPD cannot fetch its keys during the callback.
      const unreachableBaseUrl = `http://127.0.0.1:${await freePort()}`;
      const mc = await harness.startMissionControl({ env: { BASE_URL: unreachableBaseUrl } });

      const added = await addJpdTwoWay(mc, jpd);
      expect(added.status.code).toBe('ONLINE');
      expect(added.trust).toBe('ONE_WAY');
      expect(added.two_way.status).toBe('FAILED');
      expect(added.two_way.message).toMatch(/could not be reached/);
      expect(added.two_way.message).toContain(unreachableBaseUrl);

      expect((await activeJpdPairingWith(jpd, unreachableBaseUrl)).reverse).toBeUndefined();
      expect(await mcPairingsWith(mc, jpd)).toEqual([]);
      expect(await probe(mc, added.id)).toBe('ONLINE');
    });

    it('reports a callback rejected with 401 as FAILED', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdTwoWay(mc, jpd);
      expect(added.two_way.status).toBe('ESTABLISHED');
      expect((await revokeAtJpd(jpd, mc.baseUrl)).status).toBe(204);

      const retried = await retryTwoWay(mc, added.id);
      expect(retried.status).toBe(200);
      expectNoTokenText(retried.body);
      expect(retried.body.id).toBe(added.id);
      expect(retried.body.two_way.status).toBe('FAILED');
      expect(retried.body.two_way.message).toMatch(/HTTP 401/);
      expect(retried.body.two_way.message).toMatch(/revoked/);
      expect(await probe(mc, added.id)).toBe('UNAUTHORIZED');
    });

    it('reports an expired token as FAILED, then retries', async () => {
      const { jpd, mc } = await startPair();
      // Once Mission Control has signed its pairing token for the callback, the JPD's clock
      // jumps ahead, so the JPD finds that token expired. Shifting either clock from the start
      // would fail the add itself, because each side rejects the other's tokens as issued in
      // the future.
      mc.onceLogged(
        (entry) => entry.msg === 'pairing_token.issued' && entry.useCase === 'jpd',
        () => {
          jpd.clock.offsetMs = TEN_MINUTES_MS;
        },
      );

      const added = await addJpdTwoWay(mc, jpd);
      expect(jpd.clock.offsetMs).toBe(TEN_MINUTES_MS);
      expect(added.status.code).toBe('ONLINE');
      expect(added.trust).toBe('ONE_WAY');
      expect(added.two_way.status).toBe('FAILED');
      expect(added.two_way.message).toMatch(/HTTP 400/);
      expect(added.two_way.message).toMatch(/expired/);
      expect(await probe(mc, added.id)).toBe('ONLINE');
      const pairingBefore = await activeJpdPairingWith(jpd, mc.baseUrl);
      expect(pairingBefore.reverse).toBeUndefined();

      jpd.clock.offsetMs = 0;
      const retried = await retryTwoWay(mc, added.id);
      expect(retried.status).toBe(200);
      expect(retried.body.id).toBe(added.id);
      expect(retried.body.trust).toBe('TWO_WAY');
      expect(retried.body.two_way.status).toBe('ESTABLISHED');

      // The retry reused the one-way pairing: same pairing, same master token, still online.
      const pairingsAfter = (await jpdPairings(jpd)).filter(
        (pairing) => pairing.use_case === 'mission-control',
      );
      expect(pairingsAfter).toHaveLength(1);
      expect(pairingsAfter[0].id).toBe(pairingBefore.id);
      expect(pairingsAfter[0].master_token_id).toBe(pairingBefore.master_token_id);
      expect(pairingsAfter[0].reverse?.status).toBe('active');
      expect(await probe(mc, added.id)).toBe('ONLINE');
      expect(await sendHeartbeats(jpd)).toEqual([{ base_url: mc.baseUrl, ok: true, status: 204 }]);
    });
  });

  describe('revocation', () => {
    it('revocation at the JPD shows UNAUTHORIZED', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdTwoWay(mc, jpd);
      expect(added.trust).toBe('TWO_WAY');

      expect((await revokeAtJpd(jpd, mc.baseUrl)).status).toBe(204);
      expect(await probe(mc, added.id)).toBe('UNAUTHORIZED');

      const revoked = (await jpdPairings(jpd)).find((pairing) => pairing.base_url === mc.baseUrl);
      expect(revoked?.status).toBe('revoked');
      expect(revoked?.trust).toBe('ONE_WAY');
      expectError(await revokeAtJpd(jpd, mc.baseUrl), 404, 'NOT_FOUND');
    });

    it('revocation at Mission Control fails heartbeats', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdTwoWay(mc, jpd);
      expect(await sendHeartbeats(jpd)).toEqual([{ base_url: mc.baseUrl, ok: true, status: 204 }]);

      expect((await revokeAtMc(mc, jpd.baseUrl)).status).toBe(204);

      const heartbeats = await sendHeartbeats(jpd);
      expect(heartbeats).toHaveLength(1);
      expect(heartbeats[0].base_url).toBe(mc.baseUrl);
      expect(heartbeats[0].ok).toBe(false);
      expect(heartbeats[0].status).toBe(401);
      expect(heartbeats[0].error).toMatch(/HTTP 401/);

      const atJpd = await activeJpdPairingWith(jpd, mc.baseUrl);
      expect(atJpd.trust).toBe('ONE_WAY');
      expect(atJpd.reverse?.status).toBe('unauthorized');
      expect(atJpd.reverse?.last_error).toMatch(/HTTP 401/);

      const atMc = await getJpd(mc, added.id);
      expect(atMc.trust).toBe('ONE_WAY');
      expect(await probe(mc, added.id)).toBe('ONLINE');
      expectError(await revokeAtMc(mc, jpd.baseUrl), 404, 'NOT_FOUND');
    });

    it('retry after revocation at Mission Control', async () => {
      const { jpd, mc } = await startPair();
      const added = await addJpdTwoWay(mc, jpd);
      expect((await revokeAtMc(mc, jpd.baseUrl)).status).toBe(204);
      expect((await sendHeartbeats(jpd))[0].status).toBe(401);

      const retried = await retryTwoWay(mc, added.id);
      expect(retried.status).toBe(200);
      expect(retried.body.trust).toBe('TWO_WAY');
      expect(retried.body.two_way.status).toBe('ESTABLISHED');

      const reverse = (await activeJpdPairingWith(jpd, mc.baseUrl)).reverse;
      expect(reverse?.status).toBe('active');
      expect(reverse?.last_error).toBeUndefined();
      expect(await sendHeartbeats(jpd)).toEqual([{ base_url: mc.baseUrl, ok: true, status: 204 }]);
    });
  });

  it('lists no token text', async () => {
    const { jpd, mc } = await startPair();
    const added = await addJpdTwoWay(mc, jpd);
    await sendHeartbeats(jpd);
    expect((await revokeAtMc(mc, jpd.baseUrl)).status).toBe(204);

    // The lists are read with a failed heartbeat on record, then again after the retry.
    const bodies: unknown[] = [
      await sendHeartbeats(jpd),
      await jpdPairings(jpd),
      (await retryTwoWay(mc, added.id)).body,
      await jpdPairings(jpd),
      await mcPairings(mc),
      await listJpds(mc),
      await getJpd(mc, added.id),
    ];
    for (const body of bodies) expectNoTokenText(body);
  });
});
