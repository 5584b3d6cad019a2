import { readWholeDatabase, testDialects } from '@service-trust/server/testing';

import {
  addJpd,
  expectError,
  JWT_PATTERN,
  TestServices,
  type JpdInstance,
  type MissionControlInstance,
} from './testing/harness';
import { GatedProxy } from './testing/gated-proxy';

const JPD_ID_PATTERN = /^JPD-\d+$/;
const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Format of a value sealed by SecretBox: version, IV, ciphertext and tag, in base64url. */
const SEALED_PATTERN = /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/;

describe.each(testDialects())('JPD registry on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;

  beforeAll(async () => {
    services = new TestServices(dialect, 'jpds');
    mc = await services.startMissionControl();
  });

  const proxies: GatedProxy[] = [];

  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await services?.closeAll();
  });

  describe('POST /jpds', () => {
    it('adds a JPD from a fresh pairing token', async () => {
      const jpd = await services.startJpd();
      const { pairing_token: token } = await jpd.issuePairingToken();
      const location = {
        city_name: 'Sunnyvale',
        country_code: 'US',
        latitude: 37.37,
        longitude: -122.04,
      };

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'sunnyvale', url: jpd.baseUrl, token, location, tags: ['prod', 'us'] },
      });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(JPD_ID_PATTERN),
        name: 'sunnyvale',
        url: jpd.baseUrl,
        service_id: jpd.serviceId,
        location,
        tags: ['prod', 'us'],
        status: {
          code: 'ONLINE',
          message: expect.stringMatching(/online/),
          checked_at: expect.stringMatching(ISO_DATE_PATTERN),
        },
        trust: 'ONE_WAY',
        two_way: { status: 'NONE' },
        created_at: expect.stringMatching(ISO_DATE_PATTERN),
        updated_at: expect.stringMatching(ISO_DATE_PATTERN),
      });
    });

    it('defaults location and tags to empty', async () => {
      const jpd = await services.startJpd();

      const { body } = await addJpd(mc, jpd);

      expect(body.location).toEqual({});
      expect(body.tags).toEqual([]);
    });

    it('keeps tokens out of every response', async () => {
      const jpd = await services.startJpd();
      const { pairing_token: token } = await jpd.issuePairingToken();

      const added = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'secretive', url: jpd.baseUrl, token },
      });
      const list = await mc.request('/jpds');
      const single = await mc.request(`/jpds/${added.body.id}`);
      const probed = await mc.request(`/jpds/${added.body.id}/probe`, { method: 'POST' });

      expect(added.status).toBe(201);
      for (const response of [added, list, single, probed]) {
        const text = JSON.stringify(response.body);
        expect(text).not.toContain('eyJ');
        expect(text).not.toContain(token.split('.')[2]);
      }
    });

    it('registers Mission Control as a peer at the JPD', async () => {
      const jpd = await services.startJpd();

      await addJpd(mc, jpd);
      const pairings = await jpd.pairings();

      expect(pairings).toHaveLength(1);
      expect(pairings[0]).toMatchObject({
        use_case: 'mission-control',
        service_id: mc.serviceId,
        base_url: mc.baseUrl,
        name: 'mission-control',
        status: 'active',
      });
    });

    it('uses up the pairing token', async () => {
      const jpd = await services.startJpd();
      const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'once', url: jpd.baseUrl, token },
      });

      expect(response.status).toBe(201);
      expect(await jpd.tokenStatus(tokenId)).toBe('used');
    });

    it('strips a trailing slash from the URL', async () => {
      const jpd = await services.startJpd();
      const { pairing_token: token } = await jpd.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'slash', url: `${jpd.baseUrl}/`, token },
      });

      expect(response.status).toBe(201);
      expect(response.body.url).toBe(jpd.baseUrl);
    });

    it('accepts a two-way pairing token', async () => {
      const jpd = await services.startJpd();
      const { pairing_token: token } = await jpd.issuePairingToken({ two_way: true });

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'two-way', url: jpd.baseUrl, token },
      });

      expect(response.status).toBe(201);
      expect(response.body.status.code).toBe('ONLINE');
    });

    it('stores the master token encrypted', async () => {
      const jpd = await services.startJpd();
      const { body } = await addJpd(mc, jpd);
      const [pairing] = await jpd.pairings();

      const rows: Array<{ encrypted_master_token: string; master_token_id: string }> =
        await mc.service.context.dataSource
          .createQueryBuilder()
          .select([
            'jpd.encrypted_master_token AS encrypted_master_token',
            'jpd.master_token_id AS master_token_id',
          ])
          .from('jpds', 'jpd')
          .where('jpd.url = :url', { url: jpd.baseUrl })
          .getRawMany();
      // Decrypting in-process yields the plaintext that must not be found in the database.
      const masterToken = mc.service.context.secretBox.open(
        rows[0].encrypted_master_token,
        `jpd-master-token:${jpd.baseUrl}`,
      );
      const stored = await readWholeDatabase(mc.service.context.dataSource, mc.database.url);

      expect(body.id).toMatch(JPD_ID_PATTERN);
      expect(rows).toHaveLength(1);
      expect(rows[0].master_token_id).toBe(pairing.master_token_id);
      expect(rows[0].encrypted_master_token).toMatch(SEALED_PATTERN);
      expect(rows[0].encrypted_master_token).not.toMatch(JWT_PATTERN);
      expect(masterToken).toMatch(JWT_PATTERN);
      expect(stored).toContain(pairing.master_token_id);
      expect(stored).not.toContain(masterToken);
      expect(stored).not.toMatch(JWT_PATTERN);
    });
  });

  describe('POST /jpds validation', () => {
    let jpd: JpdInstance;

    beforeAll(async () => {
      jpd = await services.startJpd();
    });

    const cases: Array<[string, (token: string, url: string) => Record<string, unknown>, RegExp]> =
      [
        ['a missing name', (token, url) => ({ url, token }), /name/],
        ['a missing url', (token) => ({ name: 'x', token }), /url/],
        ['a missing token', (_token, url) => ({ name: 'x', url }), /token/],
        ['an unknown field', (token, url) => ({ name: 'x', url, token, colour: 'red' }), /colour/],
        ['a name that is a number', (token, url) => ({ name: 7, url, token }), /name/],
        ['a blank name', (token, url) => ({ name: '   ', url, token }), /name/],
        [
          'tags that are not an array',
          (token, url) => ({ name: 'x', url, token, tags: 'prod' }),
          /tags/,
        ],
        ['an empty tag', (token, url) => ({ name: 'x', url, token, tags: [''] }), /tags/],
        [
          'a latitude above 90',
          (token, url) => ({ name: 'x', url, token, location: { latitude: 90.5 } }),
          /location\.latitude/,
        ],
        [
          'a longitude below -180',
          (token, url) => ({ name: 'x', url, token, location: { longitude: -181 } }),
          /location\.longitude/,
        ],
        [
          'a latitude that is a string',
          (token, url) => ({ name: 'x', url, token, location: { latitude: '10' } }),
          /location\.latitude/,
        ],
        [
          'a three-letter country code',
          (token, url) => ({ name: 'x', url, token, location: { country_code: 'USA' } }),
          /country_code/,
        ],
        [
          'an unknown location field',
          (token, url) => ({ name: 'x', url, token, location: { altitude: 3 } }),
          /altitude/,
        ],
      ];

    it.each(cases)('rejects %s', async (_label, makeBody, message) => {
      const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: makeBody(token, jpd.baseUrl),
      });

      expectError(response, 400, 'INVALID_REQUEST', message);
      expect(await jpd.tokenStatus(tokenId)).toBe('active');
    });

    it.each([
      ['an ftp URL', 'ftp://127.0.0.1:21', /must use http or https/],
      ['a URL with credentials', 'http://admin:secret@127.0.0.1:1', /must not contain credentials/],
      ['a URL with a query', 'http://127.0.0.1:1/?a=b', /must not have a query/],
      ['text that is not a URL', 'jpd at port 8040', /not a valid URL/],
    ])('rejects %s', async (_label, url, message) => {
      const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'bad-url', url, token },
      });

      expectError(response, 400, 'URL_REJECTED', message);
      expect(JSON.stringify(response.body)).not.toContain('secret');
      expect(await jpd.tokenStatus(tokenId)).toBe('active');
    });

    // The message of an invalid URL quotes the value, so a pasted token must be redacted.
    it('does not echo a token pasted as the URL', async () => {
      const { pairing_token: token } = await jpd.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'pasted', url: token, token },
      });

      expectError(response, 400, 'URL_REJECTED', /not a valid URL/);
    });

    it('rejects malformed JSON', async () => {
      const response = await mc.request('/jpds', { method: 'POST', body: '{"name": "x", ' });

      expectError(response, 400, 'INVALID_JSON', /not valid JSON/);
    });

    it('rejects a body that is not an object', async () => {
      const response = await mc.request('/jpds', { method: 'POST', body: '["x"]' });

      expectError(response, 400, 'INVALID_REQUEST', /must be a JSON object/);
    });

    it('rejects a request without a body', async () => {
      const response = await mc.request('/jpds', { method: 'POST' });

      expectError(response, 400, 'INVALID_REQUEST', /must be a JSON object/);
    });
  });

  describe('POST /jpds conflicts', () => {
    it('rejects a name that is taken', async () => {
      const first = await services.startJpd();
      const second = await services.startJpd();
      await addJpd(mc, first, { name: 'taken-name' });
      const { pairing_token: token, token_id: tokenId } = await second.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'taken-name', url: second.baseUrl, token },
      });

      expectError(response, 409, 'CONFLICT', /named "taken-name" already exists/);
      expect(await second.tokenStatus(tokenId)).toBe('active');
    });

    it('rejects a URL that is taken', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);
      const { pairing_token: token, token_id: tokenId } = await jpd.issuePairingToken();

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'other-name', url: jpd.baseUrl, token },
      });

      expectError(
        response,
        409,
        'CONFLICT',
        new RegExp(`URL ${jpd.baseUrl} already exists \\(${added.id}\\)`),
      );
      expect(await jpd.tokenStatus(tokenId)).toBe('active');
    });

    it('rejects a token that was already used', async () => {
      const jpd = await services.startJpd();
      const { pairing_token: token } = await jpd.issuePairingToken();
      const exchanged = await fetch(jpd.url('/service_trust/exchange'), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service_id: 'jfmc@someone-else', base_url: 'http://127.0.0.1:9' }),
      });

      const response = await mc.request('/jpds', {
        method: 'POST',
        json: { name: 'replayed', url: jpd.baseUrl, token },
      });
      const list = await mc.request(`/jpds?url=${encodeURIComponent(jpd.baseUrl)}`);

      expect(exchanged.status).toBe(200);
      expectError(response, 409, 'TOKEN_ALREADY_USED', /already used/);
      expect(list.body).toEqual([]);
    });

    // If both adds exchanged a token, the JPD's second exchange would revoke the first master
    // token, which Mission Control would then keep.
    it('keeps a valid master token when two adds of one JPD race', async () => {
      // The proxy delays the first exchange response until the JPD has also responded to the second
      // exchange, and delays the second until the first add has stored its row and probes the JPD.
      const proxy = await GatedProxy.start();
      proxies.push(proxy);
      const jpd = await services.startJpd({ baseUrl: proxy.baseUrl });
      proxy.targetPort = jpd.port;
      const secondExchangeAnswered = deferred();
      const firstProbeAnswered = deferred();
      const oneAddFinished = deferred();
      let exchanges = 0;
      proxy.gate = async ({ path }) => {
        if (path.endsWith('/system/info')) firstProbeAnswered.resolve();
        if (!path.endsWith('/service_trust/exchange')) return;
        exchanges += 1;
        if (exchanges === 1) {
          await Promise.race([secondExchangeAnswered.promise, oneAddFinished.promise]);
        } else {
          secondExchangeAnswered.resolve();
          await Promise.race([firstProbeAnswered.promise, oneAddFinished.promise]);
        }
      };
      const [first, second] = await Promise.all([jpd.issuePairingToken(), jpd.issuePairingToken()]);

      const add = (name: string, token: string) =>
        mc
          .request('/jpds', { method: 'POST', json: { name, url: proxy.baseUrl, token } })
          .finally(oneAddFinished.resolve);
      const responses = await Promise.all([
        add('race-a', first.pairing_token),
        add('race-b', second.pairing_token),
      ]);
      const stored = await mc.request(`/jpds?url=${encodeURIComponent(proxy.baseUrl)}`);
      const probe = await mc.request(`/jpds/${stored.body[0]?.id}/probe`, { method: 'POST' });
      const activePairings = (await jpd.pairings()).filter(
        (pairing) => pairing.status === 'active',
      );

      expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
      expect(stored.body).toHaveLength(1);
      expect(probe.body.status.code).toBe('ONLINE');
      expect(activePairings).toHaveLength(1);
    });
  });

  describe('GET /jpds', () => {
    let east: JpdInstance;
    let west: JpdInstance;
    let eastId: string;
    let westId: string;

    beforeAll(async () => {
      east = await services.startJpd();
      west = await services.startJpd();
      eastId = (await addJpd(mc, east, { name: 'filter-east', tags: ['filter-prod', 'east'] })).body
        .id;
      westId = (await addJpd(mc, west, { name: 'filter-west', tags: ['filter-staging'] })).body.id;
      await west.close();
      const probe = await mc.request(`/jpds/${westId}/probe`, { method: 'POST' });
      expect(probe.body.status.code).toBe('OFFLINE');
    });

    const idsOf = (body: Array<{ id: string }>) => body.map((jpd) => jpd.id);

    it('lists every JPD without filters', async () => {
      const response = await mc.request('/jpds');

      expect(response.status).toBe(200);
      expect(idsOf(response.body)).toEqual(expect.arrayContaining([eastId, westId]));
    });

    it('shows one JPD by id', async () => {
      const response = await mc.request(`/jpds/${eastId}`);

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: eastId,
        name: 'filter-east',
        url: east.baseUrl,
        service_id: east.serviceId,
      });
    });

    it('filters by name', async () => {
      const response = await mc.request('/jpds?name=filter-east');

      expect(response.status).toBe(200);
      expect(idsOf(response.body)).toEqual([eastId]);
    });

    it('filters by URL', async () => {
      const response = await mc.request(`/jpds?url=${encodeURIComponent(`${west.baseUrl}/`)}`);

      expect(response.status).toBe(200);
      expect(idsOf(response.body)).toEqual([westId]);
    });

    it('filters by tag', async () => {
      const response = await mc.request('/jpds?tag=filter-prod');

      expect(response.status).toBe(200);
      expect(idsOf(response.body)).toEqual([eastId]);
    });

    it('filters by status', async () => {
      const offline = await mc.request('/jpds?status=OFFLINE');
      const online = await mc.request('/jpds?status=ONLINE');

      expect(idsOf(offline.body)).toContain(westId);
      expect(idsOf(offline.body)).not.toContain(eastId);
      expect(
        offline.body.every((jpd: { status: { code: string } }) => jpd.status.code === 'OFFLINE'),
      ).toBe(true);
      expect(idsOf(online.body)).toContain(eastId);
      expect(idsOf(online.body)).not.toContain(westId);
    });

    it('combines filters', async () => {
      const response = await mc.request('/jpds?name=filter-east&status=OFFLINE');

      expect(response.status).toBe(200);
      expect(response.body).toEqual([]);
    });

    it('returns an empty list when nothing matches', async () => {
      const response = await mc.request('/jpds?tag=no-such-tag');

      expect(response.status).toBe(200);
      expect(response.body).toEqual([]);
    });

    it('rejects an unknown status', async () => {
      const response = await mc.request('/jpds?status=BROKEN');

      expectError(response, 400, 'INVALID_REQUEST', /status/);
    });

    it('rejects a filter given twice', async () => {
      const response = await mc.request('/jpds?tag=a&tag=b');

      expectError(response, 400, 'INVALID_REQUEST', /tag/);
    });
  });

  describe('PUT /jpds/{id}', () => {
    it('renames a JPD', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd, { name: 'before-rename' });

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { name: 'after-rename' },
      });
      const fetched = await mc.request(`/jpds/${added.id}`);
      const byOldName = await mc.request('/jpds?name=before-rename');

      expect(response.status).toBe(204);
      expect(fetched.body.name).toBe('after-rename');
      expect(byOldName.body).toEqual([]);
    });

    it('keeps its own name without a conflict', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd, { name: 'same-name' });

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { name: 'same-name', tags: ['t'] },
      });

      expect(response.status).toBe(204);
    });

    it('updates location and tags', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd, { tags: ['old'] });

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { location: { city_name: 'Tel Aviv', country_code: 'IL' }, tags: ['new', 'tags'] },
      });
      const fetched = await mc.request(`/jpds/${added.id}`);

      expect(response.status).toBe(204);
      expect(fetched.body.location).toEqual({ city_name: 'Tel Aviv', country_code: 'IL' });
      expect(fetched.body.tags).toEqual(['new', 'tags']);
    });

    it('rejects a URL change without a token', async () => {
      const jpd = await services.startJpd();
      const other = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { url: other.baseUrl },
      });
      const fetched = await mc.request(`/jpds/${added.id}`);

      expectError(response, 400, 'INVALID_REQUEST', /requires a new pairing token/);
      expect(fetched.body.url).toBe(jpd.baseUrl);
    });

    it('rejects a name that another JPD has', async () => {
      const first = await services.startJpd();
      const second = await services.startJpd();
      await addJpd(mc, first, { name: 'put-taken' });
      const { body: added } = await addJpd(mc, second);

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { name: 'put-taken' },
      });

      expectError(response, 409, 'CONFLICT', /named "put-taken" already exists/);
    });

    it('rejects an invalid body', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);

      const unknown = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { colour: 'red' },
      });
      const malformed = await mc.request(`/jpds/${added.id}`, { method: 'PUT', body: '{' });
      const wrongType = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { tags: [1] },
      });

      expectError(unknown, 400, 'INVALID_REQUEST', /colour/);
      expectError(malformed, 400, 'INVALID_JSON', /not valid JSON/);
      expectError(wrongType, 400, 'INVALID_REQUEST', /tags/);
    });

    it('re-pairs with a new token and revokes the old master token', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);
      const [oldPairing] = await jpd.pairings();
      const { pairing_token: token } = await jpd.issuePairingToken();

      const response = await mc.request(`/jpds/${added.id}`, { method: 'PUT', json: { token } });
      const pairings = await jpd.pairings();
      const fetched = await mc.request(`/jpds/${added.id}`);

      expect(response.status).toBe(204);
      expect(pairings).toHaveLength(2);
      expect(pairings.find((pairing) => pairing.id === oldPairing.id)).toMatchObject({
        status: 'revoked',
        revoked_at: expect.any(String),
      });
      expect(pairings.find((pairing) => pairing.id !== oldPairing.id)).toMatchObject({
        status: 'active',
        base_url: mc.baseUrl,
      });
      expect(await jpd.tokenStatus(oldPairing.master_token_id)).toBe('revoked');
      expect(fetched.body.status.code).toBe('ONLINE');
    });

    it('moves a JPD to a new URL with a token from there', async () => {
      const jpd = await services.startJpd();
      const replacement = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);
      const { pairing_token: token } = await replacement.issuePairingToken();

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { url: replacement.baseUrl, token },
      });
      const fetched = await mc.request(`/jpds/${added.id}`);

      expect(response.status).toBe(204);
      expect(fetched.body.url).toBe(replacement.baseUrl);
      expect(fetched.body.service_id).toBe(replacement.serviceId);
      expect(fetched.body.status.code).toBe('ONLINE');
    });

    it('keeps the old pairing when the new token is rejected', async () => {
      const jpd = await services.startJpd();
      const other = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);
      const { pairing_token: foreignToken } = await other.issuePairingToken();

      const response = await mc.request(`/jpds/${added.id}`, {
        method: 'PUT',
        json: { token: foreignToken },
      });
      const probe = await mc.request(`/jpds/${added.id}/probe`, { method: 'POST' });

      expectError(response, 400, 'URL_REJECTED', /does not match/);
      expect(probe.body.service_id).toBe(jpd.serviceId);
      expect(probe.body.status.code).toBe('ONLINE');
    });
  });

  describe('DELETE /jpds/{id}', () => {
    it('deletes a JPD', async () => {
      const jpd = await services.startJpd();
      const { body: added } = await addJpd(mc, jpd);

      const response = await mc.request(`/jpds/${added.id}`, { method: 'DELETE' });
      const fetched = await mc.request(`/jpds/${added.id}`);
      const list = await mc.request('/jpds');

      expect(response.status).toBe(204);
      expectError(fetched, 404, 'NOT_FOUND', new RegExp(`JPD "${added.id}" was not found`));
      expect(list.body.map((item: { id: string }) => item.id)).not.toContain(added.id);
    });

    it('never reuses the id of a deleted JPD', async () => {
      const jpd = await services.startJpd();
      const { body: first } = await addJpd(mc, jpd);
      await mc.request(`/jpds/${first.id}`, { method: 'DELETE' });

      const { body: again } = await addJpd(mc, jpd);

      expect(again.id).toMatch(JPD_ID_PATTERN);
      expect(again.id).not.toBe(first.id);
    });
  });

  describe('unknown ids', () => {
    const requestsFor = (ids: string[]) =>
      ids.flatMap((id): Array<[string, string, string, unknown]> => [
        ['GET', id, `/jpds/${id}`, undefined],
        ['PUT', id, `/jpds/${id}`, { name: 'renamed' }],
        ['DELETE', id, `/jpds/${id}`, undefined],
        ['POST', id, `/jpds/${id}/probe`, undefined],
      ]);

    const expectNotFound = async (method: string, id: string, path: string, json: unknown) => {
      const response = await mc.request(path, { method, json });

      expectError(response, 404, 'NOT_FOUND', new RegExp(`JPD "${id}" was not found`));
    };

    it.each(requestsFor(['JPD-999999', 'abc', 'JPD-0', 'JPD-01', 'JPD-1x']))(
      '%s %s answers 404',
      expectNotFound,
    );

    // The id pattern admits ten digits; a number above the 32-bit seq column must not reach
    // PostgreSQL, which would raise an error.
    it.each(requestsFor(['JPD-2147483648', 'JPD-9999999999']))('%s %s answers 404', expectNotFound);
  });
});

/** A promise with its resolve function, to wait for an event in another request. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
