import {
  commonEnvSchema,
  parseEnv,
  withDerivedDefaults,
  type CommonConfig,
} from '@service-trust/server';

/** Default port of the Access service. */
export const DEFAULT_PORT = 8040;

/** Configuration of the Access service, read once from the environment at start. */
export type AccessConfig = CommonConfig;

/**
 * Reads and validates the configuration.
 *
 * @throws {ConfigError} naming each invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AccessConfig {
  return withDerivedDefaults(parseEnv(commonEnvSchema(DEFAULT_PORT, 'jpd-access'), env));
}
