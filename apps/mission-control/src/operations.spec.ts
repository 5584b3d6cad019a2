import { listRoutes } from '@service-trust/server';
import { requestJson, testDialects } from '@service-trust/server/testing';

import { TestServices, type MissionControlInstance } from './testing/harness';

/** Reads the value of one sample from a Prometheus text exposition, or undefined. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    const match = /^([\w:]+)\{(.*)\} ([\d.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe.each(testDialects())('Mission Control operations on %s', (dialect) => {
  let services: TestServices;
  let mc: MissionControlInstance;

  beforeAll(async () => {
    services = new TestServices(dialect, 'operations');
    mc = await services.startMissionControl();
  });

  afterAll(async () => {
    await services?.closeAll();
  });

  const metricsText = async () => (await requestJson(`${mc.baseUrl}/metrics`)).body as string;

  it('metrics count probes and two-way callbacks', async () => {
    const jpd = await services.startJpd();
    const { pairing_token: token } = await jpd.issuePairingToken({ two_way: true });
    const added = await mc.request('/jpds', {
      method: 'POST',
      json: { name: 'metered', url: jpd.baseUrl, token },
    });
    const revoked = await requestJson(jpd.url('/service_trust/pairings/mission-control'), {
      method: 'DELETE',
      authorization: jpd.admin,
      json: { base_url: mc.baseUrl },
    });
    const probed = await mc.request(`/jpds/${added.body.id}/probe`, { method: 'POST' });

    const text = await metricsText();

    expect(added.status).toBe(201);
    expect(revoked.status).toBe(204);
    expect(probed.body.status.code).toBe('UNAUTHORIZED');
    expect(sample(text, 'mission_control_jpd_probes_total', { result: 'ONLINE' })).toBe(1);
    expect(sample(text, 'mission_control_jpd_probes_total', { result: 'UNAUTHORIZED' })).toBe(1);
    const established = { result: 'ESTABLISHED' };
    expect(sample(text, 'mission_control_two_way_callbacks_total', established)).toBe(1);
    const issued = { use_case: 'jpd', service: 'mission-control' };
    expect(sample(text, 'service_trust_pairing_tokens_issued_total', issued)).toBe(1);
    const jpdRoute = { route: '/mc/api/v1/jpds/:id/probe', status_code: '200' };
    expect(sample(text, 'http_request_duration_seconds_count', jpdRoute)).toBe(1);
  });

  it('OpenAPI document lists every route', async () => {
    const { status, body: document } = await requestJson(`${mc.baseUrl}/openapi.json`);
    const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(
      ([path, methods]) =>
        Object.keys(methods).map(
          (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
    );
    const served = listRoutes(mc.service.app);

    expect(status).toBe(200);
    expect(document.info.title).toBe('mission-control');
    expect(served).toContain('POST /mc/api/v1/jpds');
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !served.includes(route))).toEqual([]);
  });

  it('OpenAPI lists the JPD filters as query parameters', async () => {
    const { body: document } = await requestJson(`${mc.baseUrl}/openapi.json`);
    const parameters = document.paths['/mc/api/v1/jpds'].get.parameters;

    expect(parameters.map((parameter: { name: string }) => parameter.name)).toEqual([
      'name',
      'url',
      'tag',
      'status',
    ]);
    expect(parameters[3].schema.enum).toEqual(['ONLINE', 'OFFLINE', 'UNAUTHORIZED']);
    expect(parameters.every((parameter: { required: boolean }) => !parameter.required)).toBe(true);
  });
});
