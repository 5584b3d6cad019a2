import {
  commonEnvSchema,
  parseEnv,
  withDerivedDefaults,
  type CommonConfig,
} from '@service-trust/server';
import { z } from 'zod';

/** Default port of the Access service. */
export const DEFAULT_PORT = 8040;

/** Environment variables that the Access service reads, with their defaults. */
export const accessEnvSchema = commonEnvSchema(DEFAULT_PORT, 'jpd-access').extend({
  /** Seconds between two heartbeats to each Mission Control with two-way trust; 0 turns them off. */
  HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
});

/** Configuration of the Access service, read once from the environment at start. */
export type AccessConfig = CommonConfig & z.infer<typeof accessEnvSchema>;

/**
 * Reads and validates the configuration.
 *
 * @throws {ConfigError} naming each invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AccessConfig {
  return withDerivedDefaults(parseEnv(accessEnvSchema, env));
}
