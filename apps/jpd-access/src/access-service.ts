import type { ServiceDefinition } from '@service-trust/server';

/** Version reported by the identity endpoint that peers probe. */
export const VERSION = '0.1.0';

/**
 * The Access service of a JPD: it issues pairing tokens for Mission Control and exchanges them
 * for master tokens.
 */
export const accessService: ServiceDefinition = {
  name: 'jpd-access',
  serviceIdPrefix: 'jfac',
  apiPrefix: '/access/api/v1',
  useCases: ['mission-control'],
  version: VERSION,
};
