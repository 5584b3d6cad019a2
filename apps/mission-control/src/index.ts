import { startService, type Clock, type Logger, type RunningService } from '@service-trust/server';

import { loadConfig } from './config';
import { missionControlService } from './mission-control-service';

export {
  DEFAULT_PORT,
  loadConfig,
  missionControlEnvSchema,
  type MissionControlConfig,
} from './config';
export { missionControlService, VERSION } from './mission-control-service';
export type { JpdView } from './jpds/jpd-registry';

/** Starts Mission Control with configuration read from `env`. */
export function startMissionControl(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { logger?: Logger; clock?: Clock } = {},
): Promise<RunningService> {
  const config = loadConfig(env);
  return startService(missionControlService(config), config, overrides);
}
