import path from 'node:path';

import { z } from 'zod';

/** Raised at start when an environment variable is missing or invalid. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses environment variables with a zod object schema whose keys are variable names, and
 * throws one {@link ConfigError} naming every invalid variable.
 */
export function parseEnv<Schema extends z.ZodObject>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
): z.infer<Schema> {
  const values: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    values[name] = value === '' ? undefined : value;
  }

  const result = schema.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  }
  return result.data;
}

/** A boolean environment variable: true, false, 1, 0, yes or no. */
export const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

/** Settings that every service reads, with `defaultPort` as the default `PORT`. */
export function commonEnvSchema(defaultPort: number, service: string) {
  return z.object({
    /** TCP port to listen on. */
    PORT: z.coerce
      .number({ error: 'must be a port number from 0 to 65535' })
      .int('must be a port number from 0 to 65535')
      .min(0, 'must be a port number from 0 to 65535')
      .max(65535, 'must be a port number from 0 to 65535')
      .default(defaultPort),
    /** Address to bind; 0.0.0.0 listens on every interface. */
    HOST: z.string().default('0.0.0.0'),
    /** Public URL that peers use to reach this service; defaults to http://localhost:PORT. */
    BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    /** Folder for the SQLite file, the generated key-encryption key and the admin password file. */
    DATA_DIR: z.string().default(path.join('.data', service)),
    /** postgres://… selects PostgreSQL; sqlite:PATH selects a SQLite file. */
    DATABASE_URL: z
      .string()
      .regex(
        /^(postgres(ql)?:\/\/|sqlite:)/,
        'must start with postgres://, postgresql:// or sqlite:',
      )
      .optional(),
    /** Password of the bootstrap admin user; generated into DATA_DIR when unset. Secret. */
    ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    /** Key-encryption key, 32 bytes in base64; generated into DATA_DIR when unset. Secret. */
    KEY_ENCRYPTION_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes in base64')
      .optional(),
    /** Signature algorithm of new signing keys. */
    SIGNING_ALGORITHM: z.enum(['ES256', 'EdDSA', 'RS256']).default('ES256'),
    /** pino log level. */
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Allows peers on link-local and cloud metadata addresses. */
    ALLOW_LINK_LOCAL_PEERS: booleanText.default(false),
    /** Exchanges accepted per client address and minute. */
    EXCHANGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** Failed Basic logins per client address and minute before logins are refused with 429. */
    LOGIN_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
    /** Time allowed for one call to a peer service, in milliseconds. */
    PEER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    /** Largest response body accepted from a peer service, in bytes. */
    PEER_MAX_RESPONSE_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    /** Time that requests in flight get to finish after SIGTERM, in seconds. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
  });
}

/** Settings common to every service, after parsing. */
export type CommonConfig = z.infer<ReturnType<typeof commonEnvSchema>> & {
  BASE_URL: string;
  DATABASE_URL: string;
};

/** Fills in the defaults that depend on other variables: `BASE_URL` and `DATABASE_URL`. */
export function withDerivedDefaults<Config extends z.infer<ReturnType<typeof commonEnvSchema>>>(
  config: Config,
): Config & CommonConfig {
  return {
    ...config,
    BASE_URL: (config.BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, ''),
    DATABASE_URL: config.DATABASE_URL ?? `sqlite:${path.join(config.DATA_DIR, 'service.sqlite')}`,
  };
}
