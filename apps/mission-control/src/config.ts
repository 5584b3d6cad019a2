import {
  commonEnvSchema,
  parseEnv,
  withDerivedDefaults,
  type CommonConfig,
} from '@service-trust/server';
import { z } from 'zod';

/** Default port of Mission Control. */
export const DEFAULT_PORT = 8080;

const missionControlEnvSchema = commonEnvSchema(DEFAULT_PORT, 'mission-control').extend({
  /** Seconds between two status probes of every JPD; 0 turns periodic probes off. */
  PROBE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Time allowed for one call to a JPD, in milliseconds. */
  PEER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** Largest response body accepted from a JPD, in bytes. */
  PEER_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
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
