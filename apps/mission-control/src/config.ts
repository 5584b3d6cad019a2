import {
  booleanText,
  commonEnvSchema,
  parseEnv,
  withDerivedDefaults,
  type CommonConfig,
} from '@service-trust/server';
import { z } from 'zod';

/** Default port of Mission Control. */
export const DEFAULT_PORT = 8080;

/** Environment variables that Mission Control reads, with their defaults. */
export const missionControlEnvSchema = commonEnvSchema(DEFAULT_PORT, 'mission-control').extend({
  /** Seconds between two status probes of every JPD; 0 turns periodic probes off. */
  PROBE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Calls back a JPD whose pairing token has a pairing URL, so that trust runs both ways. */
  TWO_WAY_TRUST: booleanText.default(true),
});

/** Configuration of Mission Control, read once from the environment at start. */
export type MissionControlConfig = CommonConfig & z.infer<typeof missionControlEnvSchema>;

/**
 * Reads and validates the configuration.
 *
 * @throws {ConfigError} naming each invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MissionControlConfig {
  return withDerivedDefaults(parseEnv(missionControlEnvSchema, env));
}
