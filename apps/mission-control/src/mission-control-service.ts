import path from 'node:path';

import { PairingClient, repeatEvery, type ServiceDefinition } from '@service-trust/server';

import type { MissionControlConfig } from './config';
import { CreateJpdsTable1764806500000 } from './jpds/1764806500000-create-jpds-table';
import { AddTwoWayColumns1764900100000 } from './jpds/1764900100000-add-two-way-columns';
import { jpdEntities } from './jpds/jpd-record';
import { JpdRegistry } from './jpds/jpd-registry';
import { jpdOperations } from './jpds/jpd-api';
import { createJpdMetrics } from './jpds/jpd-metrics';
import { createJpdRouter } from './jpds/jpd-router';

/** Files of the admin page, beside this file in the sources and beside the bundle in dist. */
const ADMIN_PAGE_DIR = path.join(__dirname, 'ui');

/** Version reported by the identity endpoint. */
export const VERSION = '0.1.0';

/** Path of a JPD's public keys under its base URL. */
const JPD_JWKS_PATH = '/access/api/v1/keys/jwks';

/**
 * Mission Control: it consumes JPD pairing tokens, keeps each JPD's master token encrypted, and
 * probes each JPD's status with it. When a JPD requests two-way trust, Mission Control sends it
 * a pairing token of its own and receives the JPD's heartbeats.
 */
export function missionControlService(config: MissionControlConfig): ServiceDefinition {
  let registry: JpdRegistry | undefined;

  return {
    name: 'mission-control',
    description:
      'Mission Control: it pairs with JPDs through their pairing tokens and probes their status.',
    serviceIdPrefix: 'jfmc',
    apiPrefix: '/mc/api/v1',
    useCases: ['jpd'],
    version: VERSION,
    adminPageDir: ADMIN_PAGE_DIR,
    entities: jpdEntities,
    migrations: [CreateJpdsTable1764806500000, AddTwoWayColumns1764900100000],
    operations: jpdOperations,
    routes(context) {
      const pairing = new PairingClient({
        peers: context.peers,
        allowLinkLocal: config.ALLOW_LINK_LOCAL_PEERS,
        self: { serviceId: context.serviceId, baseUrl: config.BASE_URL, name: 'mission-control' },
        jwksPath: JPD_JWKS_PATH,
        useCase: 'mission-control',
        peerLabel: 'JPD',
        unreachableCode: 'JPD_UNREACHABLE',
        clock: context.clock,
      });
      registry = new JpdRegistry({
        dataSource: context.dataSource,
        pairing,
        peers: context.peers,
        tokens: context.tokens,
        secretBox: context.secretBox,
        logger: context.logger,
        twoWayTrust: config.TWO_WAY_TRUST,
        metrics: createJpdMetrics(context.metrics.registry),
      });
      return createJpdRouter({ registry, auth: context.auth });
    },
    background(context) {
      const active = registry;
      if (config.PROBE_INTERVAL_SECONDS === 0 || !active) return () => undefined;
      return repeatEvery(
        config.PROBE_INTERVAL_SECONDS,
        () => active.probeAll(),
        context.logger,
        'periodic probe',
      );
    },
  };
}
