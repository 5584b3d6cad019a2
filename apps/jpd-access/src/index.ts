import { startService, type Clock, type Logger, type RunningService } from '@service-trust/server';

import { accessService } from './access-service';
import { loadConfig } from './config';

export { accessService, VERSION } from './access-service';
export { accessEnvSchema, DEFAULT_PORT, loadConfig, type AccessConfig } from './config';

/** Starts the Access service with configuration read from `env`. */
export function startAccessService(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { logger?: Logger; clock?: Clock; masterTokenTtlSeconds?: number } = {},
): Promise<RunningService> {
  const config = loadConfig(env);
  return startService(accessService(config), config, overrides);
}
