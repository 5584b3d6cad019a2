import path from 'node:path';

import { repeatEvery, type ServiceDefinition } from '@service-trust/server';

import type { AccessConfig } from './config';

/** Files of the admin page, beside this file in the sources and beside the bundle in dist. */
const ADMIN_PAGE_DIR = path.join(__dirname, 'ui');

/** Version reported by the identity endpoint that peers probe. */
export const VERSION = '0.1.0';

/**
 * The Access service of a JPD: it issues pairing tokens for Mission Control and exchanges them
 * for master tokens. When Mission Control calls back at the pairing URL, the JPD also gets a
 * master token for Mission Control and sends it heartbeats with it.
 */
export function accessService(config: AccessConfig): ServiceDefinition {
  return {
    name: 'jpd-access',
    description:
      'The Access service of a JPD: it issues pairing tokens and exchanges them for master tokens.',
    serviceIdPrefix: 'jfac',
    apiPrefix: '/access/api/v1',
    useCases: ['mission-control'],
    version: VERSION,
    adminPageDir: ADMIN_PAGE_DIR,
    peerTrust: {
      useCase: 'jpd',
      jwksPath: '/mc/api/v1/keys/jwks',
      heartbeatPath: '/mc/api/v1/heartbeat',
      peerLabel: 'Mission Control',
    },
    background(context) {
      const peerTrust = context.peerTrust;
      if (config.HEARTBEAT_INTERVAL_SECONDS === 0 || !peerTrust) return () => undefined;
      return repeatEvery(
        config.HEARTBEAT_INTERVAL_SECONDS,
        () => peerTrust.sendHeartbeats(),
        context.logger,
        'heartbeats',
      );
    },
  };
}
