import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { UseCase } from '@service-trust/pairing-protocol';
import { DEFAULT_MASTER_TOKEN_TTL_SECONDS } from '@service-trust/pairing-protocol';
import type { DataSource, EntitySchema, MigrationInterface } from 'typeorm';

import { createAuthenticator, type Authenticator } from './auth/authenticate';
import type { CommonConfig } from './config/env';
import { SecretBox } from './crypto/secret-box';
import { openDataSource } from './db/data-source';
import type { Dialect } from './db/dialect';
import { serviceTrustEntities } from './entities/schemas';
import { createErrorHandler, notFoundHandler } from './http/error-handler';
import { createServiceTrustRouter } from './http/service-trust-router';
import { createLogger, type Logger } from './logger';
import { serviceTrustMigrations } from './migrations';
import { ensureAdminUser, ensureServiceId } from './trust/identity';
import { KeyStore } from './trust/key-store';
import { TokenService, type Clock } from './trust/token-service';
import { TokenStateCache } from './trust/token-state-cache';
import { PeerClient } from './http/peer-client';
import { RateLimiter } from './http/rate-limiter';
import { PairingClient } from './trust/pairing-client';
import { PeerTrust } from './trust/peer-trust';
import { createAdminPageRouter } from './web/page-router';
import { sessionCookieName } from './web/session-cookie';
import { createAdminPageApi } from './web/admin-page-api';
import { SessionStore } from './web/session-store';
import { createHealthRouter } from './observability/health-routes';
import { ServiceMetrics } from './observability/metrics';
import {
  buildOpenApiDocument,
  renderApiReference,
  type ApiOperation,
} from './observability/openapi';
import { bindRequestContext } from './observability/request-context';
import { GracefulShutdown } from './http/graceful-shutdown';
import {
  adminPageOperations,
  adminPageRootOperations,
  rootOperations,
  serviceTrustOperations,
} from './http/service-trust-api';

/** Everything a service's own routes need, built once at start. */
export interface ServiceContext {
  config: CommonConfig;
  logger: Logger;
  dataSource: DataSource;
  serviceId: string;
  secretBox: SecretBox;
  keys: KeyStore;
  tokens: TokenService;
  /** Token states kept in memory and kept current across replicas. */
  states: TokenStateCache;
  /** Client for every call to a peer service. */
  peers: PeerClient;
  /** Master tokens that peers issued to this service, when it accepts two-way trust. */
  peerTrust?: PeerTrust;
  auth: Authenticator;
  /** Browser sessions of the admin page. */
  sessions: SessionStore;
  clock: Clock;
  /** Prometheus metrics; a service registers its own counters in `metrics.registry`. */
  metrics: ServiceMetrics;
}

/** Settings and routes that make one service differ from the other. */
export interface ServiceDefinition {
  /** Name used in logs, e.g. `jpd-access`. */
  name: string;
  /** One sentence on what the service does, for its API reference; the name when unset. */
  description?: string;
  /** Prefix of the service id, e.g. `jfac`. */
  serviceIdPrefix: string;
  /** Path prefix of the REST API, e.g. `/access/api/v1`. */
  apiPrefix: string;
  /** Use cases this service issues pairing tokens for. */
  useCases: readonly UseCase[];
  version: string;
  entities?: (dialect: Dialect) => EntitySchema<any>[];
  migrations?: Array<new () => MigrationInterface>;
  /** Settings for accepting peers' pairing tokens (two-way trust). Without them the pairing URL returns 404. */
  peerTrust?: {
    /** Use case of the peer's pairing tokens, e.g. `jpd` for Mission Control's. */
    useCase: UseCase;
    /** Path of the peer's JWKS under its base URL. */
    jwksPath: string;
    /** Path on the peer that receives heartbeats. */
    heartbeatPath: string;
    /** Name of the peer in error messages. */
    peerLabel: string;
  };
  /** Folder of the admin page's files, served under `/ui`. */
  adminPageDir?: string;
  /** Adds the service's own routes, mounted under `apiPrefix`. */
  routes?: (context: ServiceContext) => Router;
  /** The service's own routes for its OpenAPI document, with the schemas they validate with. */
  operations?: readonly ApiOperation[];
  /**
   * Starts background work, such as periodic probes; returns a function that stops it and may
   * resolve once work in progress has finished.
   */
  background?: (context: ServiceContext) => () => void | Promise<void>;
}

/** A service listening for requests. */
export interface RunningService {
  context: ServiceContext;
  app: express.Express;
  server: Server;
  port: number;
  /**
   * Shuts down gracefully: stops accepting connections and background work, lets requests in
   * flight finish (for at most `SHUTDOWN_TIMEOUT_SECONDS`), then closes the database.
   */
  close(): Promise<void>;
}

/**
 * Composes and starts a service: database and migrations, identity, keys, admin user, routes,
 * then the HTTP listener.
 */
export async function startService(
  definition: ServiceDefinition,
  config: CommonConfig,
  overrides: { logger?: Logger; clock?: Clock; masterTokenTtlSeconds?: number } = {},
): Promise<RunningService> {
  const logger =
    overrides.logger ?? createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const clock = overrides.clock ?? (() => new Date());

  // The data folder contains the SQLite file and generated secrets, so only this user may read it.
  fs.mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });

  const dataSource = await openDataSource({
    databaseUrl: config.DATABASE_URL,
    entities: (dialect) => [
      ...serviceTrustEntities(dialect),
      ...(definition.entities?.(dialect) ?? []),
    ],
    migrations: [...serviceTrustMigrations, ...(definition.migrations ?? [])],
  });

  let states: TokenStateCache | undefined;
  try {
    const serviceId = await ensureServiceId(dataSource, definition.serviceIdPrefix);
    const serviceLogger = logger.child({ serviceId });
    const secretBox = SecretBox.load({
      base64Key: config.KEY_ENCRYPTION_KEY,
      dataDir: config.DATA_DIR,
      logger: serviceLogger,
    });
    const keys = await KeyStore.open({
      dataSource,
      secretBox,
      serviceId,
      alg: config.SIGNING_ALGORITHM,
      logger: serviceLogger,
    });
    await ensureAdminUser({
      dataSource,
      password: config.ADMIN_PASSWORD,
      dataDir: config.DATA_DIR,
      logger: serviceLogger,
    });

    states = await TokenStateCache.create({ dataSource, logger: serviceLogger });
    const metrics = new ServiceMetrics({ service: definition.name });
    const tokens = new TokenService({
      dataSource,
      keys,
      states,
      serviceId,
      baseUrl: config.BASE_URL,
      apiPrefix: definition.apiPrefix,
      masterTokenTtlSeconds: overrides.masterTokenTtlSeconds ?? DEFAULT_MASTER_TOKEN_TTL_SECONDS,
      logger: serviceLogger,
      clock,
      metrics,
    });
    const sessions = new SessionStore({
      dataSource,
      cookieName: sessionCookieName(serviceId, config.BASE_URL),
      logger: serviceLogger,
      clock,
    });
    const auth = await createAuthenticator({
      dataSource,
      tokens,
      sessions,
      logger: serviceLogger,
      loginFailures: new RateLimiter({
        limit: config.LOGIN_FAILURE_LIMIT_PER_MINUTE,
        windowMs: 60_000,
      }),
    });
    const peers = new PeerClient({
      timeoutMs: config.PEER_TIMEOUT_MS,
      maxResponseBytes: config.PEER_MAX_RESPONSE_BYTES,
      allowLinkLocal: config.ALLOW_LINK_LOCAL_PEERS,
    });
    const peerTrust = definition.peerTrust
      ? new PeerTrust({
          dataSource,
          secretBox,
          peers,
          tokens,
          heartbeatPath: definition.peerTrust.heartbeatPath,
          peerLabel: definition.peerTrust.peerLabel,
          self: { serviceId, baseUrl: config.BASE_URL },
          logger: serviceLogger,
          clock,
          pairing: new PairingClient({
            peers,
            allowLinkLocal: config.ALLOW_LINK_LOCAL_PEERS,
            self: { serviceId, baseUrl: config.BASE_URL, name: definition.name },
            jwksPath: definition.peerTrust.jwksPath,
            useCase: definition.peerTrust.useCase,
            peerLabel: definition.peerTrust.peerLabel,
            unreachableCode: 'PEER_UNREACHABLE',
            clock,
          }),
        })
      : undefined;
    const context: ServiceContext = {
      config,
      logger: serviceLogger,
      dataSource,
      serviceId,
      secretBox,
      keys,
      tokens,
      states,
      peers,
      peerTrust,
      auth,
      sessions,
      clock,
      metrics,
    };

    const shutdown = new GracefulShutdown();
    const app = createApp(definition, context, shutdown);
    const server = await listen(app, config.PORT, config.HOST);
    const port = (server.address() as AddressInfo).port;
    const stopBackground = definition.background?.(context);
    serviceLogger.info(
      { port, baseUrl: config.BASE_URL, database: dataSource.options.type },
      'service started',
    );

    let closing: Promise<void> | undefined;
    const close = async () => {
      await Promise.all([
        shutdown.drain(server, config.SHUTDOWN_TIMEOUT_SECONDS * 1000, serviceLogger),
        stopBackground?.(),
      ]);
      peers.close();
      await states?.close();
      await dataSource.destroy();
      serviceLogger.info('service stopped');
    };

    return {
      context,
      app,
      server,
      port,
      close: () => (closing ??= close()),
    };
  } catch (error) {
    await states?.close();
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}

function createApp(
  definition: ServiceDefinition,
  context: ServiceContext,
  shutdown: GracefulShutdown,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use(
    pinoHttp({
      logger: context.logger,
      genReqId: (req, res) => {
        const requested = req.headers['x-request-id'];
        const id =
          typeof requested === 'string' && /^[\w.-]{1,64}$/.test(requested)
            ? requested
            : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        // The query string is left out: a client may put a token or password there.
        req: (req) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(bindRequestContext);
  app.use(context.metrics.timeRequests(definition.apiPrefix));
  app.use(shutdown.track);
  app.use(`${definition.apiPrefix}/service_trust/exchange`, (req, res, next) => {
    if (req.method === 'POST')
      res.once('finish', () => context.metrics.countExchange(res.statusCode));
    next();
  });
  app.use(express.json({ limit: '64kb', strict: true }));

  app.use(
    createHealthRouter({
      dataSource: context.dataSource,
      metrics: context.metrics,
      isShuttingDown: () => shutdown.started,
    }),
  );
  const openApi = buildOpenApiDocument({
    title: definition.name,
    version: definition.version,
    description: definition.description ?? definition.name,
    apiPrefix: definition.apiPrefix,
    operations: [
      ...rootOperations,
      ...(definition.adminPageDir ? adminPageRootOperations : []),
      ...serviceTrustOperations,
      ...adminPageOperations,
      ...(definition.operations ?? []),
    ],
  });
  const apiReference = renderApiReference(openApi);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.get('/api-docs', (_req, res) => {
    res
      .type('html')
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(apiReference);
  });

  const api = express.Router();
  api.get('/system/ping', (_req, res) => {
    res.type('text/plain').send('OK');
  });
  api.get('/system/info', context.auth.requireScope('system:info:r'), (_req, res) => {
    res.json({
      service_id: context.serviceId,
      base_url: context.config.BASE_URL,
      name: definition.name,
      version: definition.version,
    });
  });
  api.use(
    createServiceTrustRouter({
      useCases: definition.useCases,
      tokens: context.tokens,
      keys: context.keys,
      auth: context.auth,
      peerTrust: context.peerTrust,
      exchangeLimiter: new RateLimiter({
        limit: context.config.EXCHANGE_RATE_LIMIT_PER_MINUTE,
        windowMs: 60_000,
      }),
    }),
  );
  api.use(
    createAdminPageApi({
      sessions: context.sessions,
      auth: context.auth,
      dataSource: context.dataSource,
      apiPrefix: definition.apiPrefix,
      baseUrl: context.config.BASE_URL,
      clock: context.clock,
    }),
  );
  if (definition.routes) api.use(definition.routes(context));

  app.use(definition.apiPrefix, api);
  if (definition.adminPageDir) {
    app.use('/ui', createAdminPageRouter({ pageDir: definition.adminPageDir }));
    app.get('/', (_req, res) => res.redirect('/ui/'));
  }
  app.use(notFoundHandler);
  app.use(createErrorHandler(context.logger));
  return app;
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}
