import { Counter, type Registry } from 'prom-client';

/** Counters of Mission Control's calls to JPDs. */
export interface JpdMetrics {
  /** Status probes by result: ONLINE, OFFLINE, UNAUTHORIZED, or error when the probe failed. */
  probes: Counter<'result'>;
  /** Callbacks that establish two-way trust, by result: ESTABLISHED or FAILED. */
  twoWayCallbacks: Counter<'result'>;
}

/** Registers the JPD counters in a service's metrics registry. */
export function createJpdMetrics(registry: Registry): JpdMetrics {
  return {
    probes: new Counter({
      name: 'mission_control_jpd_probes_total',
      help: 'Status probes of JPDs, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
    twoWayCallbacks: new Counter({
      name: 'mission_control_two_way_callbacks_total',
      help: 'Callbacks to JPD pairing URLs that establish two-way trust, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
