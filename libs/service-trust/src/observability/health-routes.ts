import express, { type Router } from 'express';
import { errorBody } from '@service-trust/pairing-protocol';
import type { DataSource } from 'typeorm';

import type { ServiceMetrics } from './metrics';

/** Time allowed for the readiness query, in milliseconds. */
const READINESS_TIMEOUT_MS = 2_000;

/**
 * Routes that operators and orchestrators poll: `/healthz` (the process responds), `/readyz`
 * (the database returns a query result; 503 otherwise or while the service shuts down) and `/metrics`
 * in the Prometheus text format. None of them needs credentials.
 */
export function createHealthRouter(options: {
  dataSource: DataSource;
  metrics: ServiceMetrics;
  /** Returns true once shutdown began, so that a load balancer stops sending requests. */
  isShuttingDown: () => boolean;
}): Router {
  const router = express.Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'UP' });
  });

  router.get('/readyz', async (req, res) => {
    if (options.isShuttingDown()) {
      res.status(503).json(errorBody('SHUTTING_DOWN', 'The service is shutting down.'));
      return;
    }
    try {
      await withTimeout(options.dataSource.query('SELECT 1'), READINESS_TIMEOUT_MS);
      res.json({ status: 'READY' });
    } catch (error) {
      req.log?.warn({ err: error }, 'readiness check failed: database unreachable');
      res.status(503).json(errorBody('DATABASE_UNAVAILABLE', 'The database is unreachable.'));
    }
  });

  router.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.render());
  });

  return router;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The database query timed out after ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
