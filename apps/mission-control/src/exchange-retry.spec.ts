import { testDialects } from '@service-trust/server/testing';

import { GatedProxy } from './testing/gated-proxy';
import { TestServices, type MissionControlInstance } from './testing/harness';

describe.each(testDialects())('exchange retry from Mission Control on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;
  const proxies: GatedProxy[] = [];

  beforeAll(async () => {
    services = new TestServices(dialect, 'retry');
    mc = await services.startMissionControl();
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await services?.closeAll();
  });

  /** Starts a JPD behind a proxy that the test can make lose responses. */
  async function jpdBehindProxy() {
    const proxy = await GatedProxy.start();
    proxies.push(proxy);
    const jpd = await services.startJpd({ baseUrl: proxy.baseUrl });
    proxy.targetPort = jpd.port;
    return { proxy, jpd };
  }

  it('pairs when the first exchange response is lost on the way', async () => {
    const { proxy, jpd } = await jpdBehindProxy();
    const statuses: number[] = [];
    proxy.gate = ({ path, status }) => {
      if (!path.endsWith('/service_trust/exchange')) return;
      statuses.push(status);
      return statuses.length === 1 ? 'drop' : undefined;
    };
    const issued = await jpd.issuePairingToken();

    const added = await mc.request('/jpds', {
      method: 'POST',
      json: { name: 'lost-response', url: proxy.baseUrl, token: issued.pairing_token },
    });

    expect(added.status).toBe(201);
    expect(added.body.status.code).toBe('ONLINE');
    // The JPD handled both exchanges: the first made the pairing, the retry renewed its token.
    expect(statuses).toEqual([200, 200]);
    const pairings = await jpd.pairings();
    expect(pairings).toHaveLength(1);
    expect(pairings[0].status).toBe('active');
    const probe = await mc.request(`/jpds/${added.body.id}/probe`, { method: 'POST' });
    expect(probe.body.status.code).toBe('ONLINE');
  });

  it('revokes the master token whose response was lost', async () => {
    const { proxy, jpd } = await jpdBehindProxy();
    let exchanges = 0;
    proxy.gate = ({ path }) => {
      if (!path.endsWith('/service_trust/exchange')) return;
      exchanges += 1;
      return exchanges === 1 ? 'drop' : undefined;
    };
    const issued = await jpd.issuePairingToken();
    const added = await mc.request('/jpds', {
      method: 'POST',
      json: { name: 'lost-revoked', url: proxy.baseUrl, token: issued.pairing_token },
    });
    expect(added.status).toBe(201);

    const [pairing] = await jpd.pairings();
    const events = await jpd.service.context.tokens.auditEventsOf(issued.token_id);

    expect(events.map((event) => event.type)).toEqual(['pairing_token.exchange_retried']);
    const lostTokenId = /master token ([0-9a-f-]{36}) was revoked/.exec(events[0].detail ?? '');
    expect(lostTokenId).not.toBeNull();
    expect(await jpd.tokenStatus(lostTokenId![1])).toBe('revoked');
    expect(await jpd.tokenStatus(pairing.master_token_id)).toBe('active');
  });

  it('gives up after the retries and reports the JPD as unreachable', async () => {
    const { proxy, jpd } = await jpdBehindProxy();
    let exchanges = 0;
    proxy.gate = ({ path }) => {
      if (!path.endsWith('/service_trust/exchange')) return;
      exchanges += 1;
      return 'drop';
    };
    const issued = await jpd.issuePairingToken();

    const added = await mc.request('/jpds', {
      method: 'POST',
      json: { name: 'always-lost', url: proxy.baseUrl, token: issued.pairing_token },
    });

    expect(added.status).toBe(400);
    expect(added.body.errors[0].code).toBe('JPD_UNREACHABLE');
    expect(exchanges).toBe(3);
    const listed = await mc.request(`/jpds?name=always-lost`);
    expect(listed.body).toEqual([]);
  });
});
