import { randomUUID } from 'node:crypto';

import { requestJson, testDialects, type JsonResponse } from '@service-trust/server/testing';

import {
  exchange,
  exchangeOrThrow,
  exchangeRequest,
  expectError,
  issuePairingToken,
  startAccess,
  tokenState,
  type AccessInstance,
  type ExchangeBody,
} from './test-harness';

describe.each(testDialects())('exchange retries and replays on %s', (dialect) => {
  let access: AccessInstance;
  let peerCount = 0;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  /** Builds the exchange body of a new Mission Control, with a request id unless it is null. */
  function consumer(requestId: string | null = randomUUID()) {
    peerCount += 1;
    const body = exchangeRequest(
      `http://127.0.0.1:${19000 + peerCount}`,
      `jfmc@01jretrypeer${String(peerCount).padStart(13, '0')}`,
    );
    return requestId === null ? body : { ...body, request_id: requestId };
  }

  const systemInfo = (master: ExchangeBody): Promise<JsonResponse> =>
    requestJson(access.url('/system/info'), { authorization: `Bearer ${master.access_token}` });

  async function pairingOf(baseUrl: string) {
    const response = await requestJson(access.url('/service_trust/pairings'), {
      authorization: access.admin,
    });
    return response.body.pairings.filter(
      (pairing: { base_url: string }) => pairing.base_url === baseUrl,
    );
  }

  describe('a consumer that lost the exchange response', () => {
    it('gets a new master token by retrying with the same request id', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      const lost = await exchangeOrThrow(access, issued.pairing_token, body);

      const retried = await exchange(access, issued.pairing_token, body);

      expect(retried.status).toBe(200);
      expect(retried.body.token_id).not.toBe(lost.token_id);
      expect((await systemInfo(retried.body)).status).toBe(200);
      expectError(await systemInfo(lost), 401, 'ERR_TOKEN_REVOKED');
      expect((await tokenState(access, lost.token_id)).body.status).toBe('revoked');
      const pairings = await pairingOf(body.base_url);
      expect(pairings).toHaveLength(1);
      expect(pairings[0]).toMatchObject({
        status: 'active',
        master_token_id: retried.body.token_id,
      });
      expect(pairings[0].replays).toBeUndefined();
    });

    it('records the retry in the audit log', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      const lost = await exchangeOrThrow(access, issued.pairing_token, body);
      const retried = await exchangeOrThrow(access, issued.pairing_token, body);

      const events = await access.service.context.tokens.auditEventsOf(issued.token_id);

      expect(events.map((event) => event.type)).toEqual(['pairing_token.exchange_retried']);
      expect(events[0].detail).toContain(lost.token_id);
      expect(events[0].detail).toContain(retried.token_id);
    });

    it('can retry more than once, keeping only the newest master token', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      const masters = [await exchangeOrThrow(access, issued.pairing_token, body)];
      masters.push(await exchangeOrThrow(access, issued.pairing_token, body));
      masters.push(await exchangeOrThrow(access, issued.pairing_token, body));

      const statuses = await Promise.all(
        masters.map(async (master) => (await tokenState(access, master.token_id)).body.status),
      );

      expect(statuses).toEqual(['revoked', 'revoked', 'active']);
    });

    it('keeps one live master token when 20 retries race', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      const first = await exchangeOrThrow(access, issued.pairing_token, body);

      const responses = await Promise.all(
        Array.from({ length: 20 }, () => exchange(access, issued.pairing_token, body)),
      );

      const issuedMasters: ExchangeBody[] = [
        first,
        ...responses.filter((response) => response.status === 200).map((r) => r.body),
      ];
      for (const response of responses.filter((r) => r.status !== 200)) {
        expectError(response, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
      }
      expect(issuedMasters.length).toBeGreaterThan(1);
      const live: string[] = [];
      for (const master of issuedMasters) {
        if ((await systemInfo(master)).status === 200) live.push(master.token_id);
      }
      expect(live).toHaveLength(1);
      expect((await pairingOf(body.base_url))[0].master_token_id).toBe(live[0]);
    });
  });

  describe('presentations that are still replays', () => {
    it('rejects a different request id with 409 and keeps the first master token', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      const master = await exchangeOrThrow(access, issued.pairing_token, body);

      const replay = await exchange(access, issued.pairing_token, {
        ...body,
        request_id: randomUUID(),
      });

      expectError(replay, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
      expect((await systemInfo(master)).status).toBe(200);
    });

    it('rejects a request id when the first exchange sent none', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer(null);
      const master = await exchangeOrThrow(access, issued.pairing_token, body);

      const replay = await exchange(access, issued.pairing_token, {
        ...body,
        request_id: randomUUID(),
      });

      expectError(replay, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
      expect((await systemInfo(master)).status).toBe(200);
    });

    it('rejects the same request id from another consumer', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      const master = await exchangeOrThrow(access, issued.pairing_token, body);

      const stranger = await exchange(access, issued.pairing_token, {
        ...body,
        service_id: 'jfmc@01jstrangerwithsameid0000',
      });

      expectError(stranger, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
      expect((await systemInfo(master)).status).toBe(200);
      expect(await pairingOf(body.base_url)).toHaveLength(1);
    });

    it('rejects a retry after the pairing token expired', async () => {
      const issued = await issuePairingToken(access, { expires_in: 60 });
      const body = consumer();
      const master = await exchangeOrThrow(access, issued.pairing_token, body);
      access.clock.advanceSeconds(120);
      try {
        const retried = await exchange(access, issued.pairing_token, body);

        expectError(retried, 401, 'INVALID_TOKEN');
        expect((await systemInfo(master)).status).toBe(200);
      } finally {
        access.clock.advanceSeconds(-120);
      }
    });

    it('rejects a retry after the trust was revoked', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      await exchangeOrThrow(access, issued.pairing_token, body);
      const revoked = await requestJson(access.url('/service_trust/pairings/mission-control'), {
        method: 'DELETE',
        authorization: access.admin,
        json: { base_url: body.base_url },
      });
      expect(revoked.status).toBe(204);

      const retried = await exchange(access, issued.pairing_token, body);

      expectError(retried, 409, 'ERR_PAIRING_TOKEN_CONSUMED');
      const pairings = await pairingOf(body.base_url);
      expect(pairings).toHaveLength(1);
      expect(pairings[0].status).toBe('revoked');
    });

    it.each([
      ['too short', 'short-id'],
      ['with a space', 'a request id with spaces'],
      ['not a string', 42],
    ])('rejects a request id %s with 400 and leaves the token unused', async (_label, id) => {
      const issued = await issuePairingToken(access);

      const response = await exchange(access, issued.pairing_token, {
        ...consumer(),
        request_id: id,
      });

      expectError(response, 400, 'INVALID_REQUEST');
      expect((await tokenState(access, issued.token_id)).body.status).toBe('active');
    });
  });

  describe('replay alarm', () => {
    it('names the token and the pairing it made in an audit event', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      await exchangeOrThrow(access, issued.pairing_token, body);
      const [pairing] = await pairingOf(body.base_url);

      expectError(
        await exchange(access, issued.pairing_token, consumer()),
        409,
        'ERR_PAIRING_TOKEN_CONSUMED',
      );

      const events = await access.service.context.tokens.auditEventsOf(issued.token_id);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'pairing_token.replayed',
          tokenId: issued.token_id,
          pairingId: pairing.id,
        }),
      ]);
    });

    it('shows replays on the pairing, where the administrator can revoke it', async () => {
      const issued = await issuePairingToken(access);
      const body = consumer();
      await exchangeOrThrow(access, issued.pairing_token, body);
      await exchange(access, issued.pairing_token, consumer());
      await exchange(access, issued.pairing_token, consumer());

      const [pairing] = await pairingOf(body.base_url);

      expect(pairing.replays).toEqual({ count: 2, last_at: expect.any(String) });
      expect(Date.parse(pairing.replays.last_at)).toBeGreaterThanOrEqual(
        Date.parse(pairing.created_at),
      );
      const revoked = await requestJson(access.url('/service_trust/pairings/mission-control'), {
        method: 'DELETE',
        authorization: access.admin,
        json: { base_url: body.base_url },
      });
      expect(revoked.status).toBe(204);
    });
  });
});
