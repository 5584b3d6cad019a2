import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

import type { TokenMetrics } from '../trust/token-service';

/** Outcome label of an exchange, from the status of its response. */
export type ExchangeOutcome =
  'success' | 'invalid_token' | 'replayed' | 'invalid_request' | 'rate_limited' | 'error';

/**
 * Metrics of the Node.js process, such as memory and event loop delay. They are collected once
 * per process, because each collection starts observers that cannot be stopped.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * Prometheus metrics of one service. Each service has its own registry, so several services in
 * one process (as in the tests) keep separate counts.
 */
export class ServiceMetrics implements TokenMetrics {
  readonly registry = new Registry();

  readonly pairingTokensIssued = new Counter({
    name: 'service_trust_pairing_tokens_issued_total',
    help: 'Pairing tokens issued, by use case.',
    labelNames: ['use_case'] as const,
    registers: [this.registry],
  });

  readonly exchanges = new Counter({
    name: 'service_trust_exchanges_total',
    help: 'Requests to the exchange URL, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly replays = new Counter({
    name: 'service_trust_pairing_token_replays_total',
    help: 'Exchanges rejected because the pairing token was already used.',
    registers: [this.registry],
  });

  readonly revocations = new Counter({
    name: 'service_trust_token_revocations_total',
    help: 'Tokens revoked, by token kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by route pattern, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(labels: { service: string }) {
    this.registry.setDefaultLabels(labels);
  }

  /** Renders the process metrics and this service's metrics in the Prometheus text format. */
  async render(): Promise<string> {
    const [process, service] = await Promise.all([
      processMetrics().metrics(),
      this.registry.metrics(),
    ]);
    return `${process}\n${service}`;
  }

  pairingTokenIssued(useCase: string): void {
    this.pairingTokensIssued.inc({ use_case: useCase });
  }

  tokenRevoked(kind: string): void {
    this.revocations.inc({ kind });
  }

  /** Counts one exchange from the status code of its response. */
  countExchange(statusCode: number): void {
    const outcome = exchangeOutcome(statusCode);
    this.exchanges.inc({ outcome });
    if (outcome === 'replayed') this.replays.inc();
  }

  /**
   * Middleware that times every request and labels it with the route pattern that served it,
   * such as `/mc/api/v1/jpds/:id`, so that ids do not become labels. A request that no route
   * matched is labelled `unmatched`.
   */
  timeRequests(apiPrefix: string): RequestHandler {
    return (req, res, next) => {
      const stop = this.httpDuration.startTimer();
      res.once('finish', () => {
        // req.baseUrl is restored when an error leaves a router, so the prefix is derived from
        // the URL: every route lives either under the API prefix or at the root.
        const pattern = req.route?.path as string | undefined;
        const underApi = req.originalUrl.startsWith(`${apiPrefix}/`);
        const route = pattern ? `${underApi ? apiPrefix : ''}${pattern}` : 'unmatched';
        stop({ method: req.method, route, status_code: res.statusCode });
      });
      next();
    };
  }
}

/** Maps the status of an exchange response to the outcome label. */
export function exchangeOutcome(statusCode: number): ExchangeOutcome {
  if (statusCode < 300) return 'success';
  if (statusCode === 401) return 'invalid_token';
  if (statusCode === 409) return 'replayed';
  if (statusCode === 429) return 'rate_limited';
  if (statusCode < 500) return 'invalid_request';
  return 'error';
}
