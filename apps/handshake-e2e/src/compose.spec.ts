import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { accessEnvSchema } from '@service-trust/jpd-access';
import { missionControlEnvSchema } from '@service-trust/mission-control';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

// Compose applies YAML merge keys (<<), which the yaml package does only when asked.
const compose = parse(read('docker-compose.yml'), { merge: true });

const APPS = [
  { app: 'jpd-access', database: 'jpd_access', variables: Object.keys(accessEnvSchema.shape) },
  {
    app: 'mission-control',
    database: 'mission_control',
    variables: Object.keys(missionControlEnvSchema.shape),
  },
] as const;

/** Lines of a Dockerfile with continuation lines joined, without comments. */
function dockerfileInstructions(file: string): string[] {
  return read(file)
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trimStart().startsWith('#'));
}

describe('docker-compose.yml', () => {
  it('runs PostgreSQL and both services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'jpd-access',
      'mission-control',
      'postgres',
    ]);
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(compose.services.postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes).sort()).toEqual([
      'jpd-access-data',
      'mission-control-data',
      'postgres-data',
    ]);
  });

  it('creates one database per service', () => {
    const script = read('deploy/postgres/create-databases.sh');
    const mounted = compose.services.postgres.volumes.find((volume: string) =>
      volume.includes('docker-entrypoint-initdb.d'),
    );

    expect(mounted).toMatch(/^\.\/deploy\/postgres\/create-databases\.sh:/);
    for (const { database } of APPS)
      expect(script).toMatch(new RegExp(`^create ${database} `, 'm'));
  });

  describe.each(APPS)('$app', ({ app, database, variables }) => {
    const service = compose.services[app];

    it('is built from its own Dockerfile', () => {
      expect(service.build).toEqual({ context: '.', dockerfile: `apps/${app}/Dockerfile` });
    });

    it('waits for a healthy PostgreSQL', () => {
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(service.healthcheck.test.join(' ')).toContain('/readyz');
    });

    it('sets every variable the app reads and no other', () => {
      const set = Object.keys(service.environment);

      expect(set.filter((name) => !variables.includes(name))).toEqual([]);
      expect(variables.filter((name) => !set.includes(name))).toEqual([]);
    });

    it('uses its own database', () => {
      const url = new URL(
        String(service.environment.DATABASE_URL).replace(/\$\{(\w+):-([^}]*)\}/g, '$2'),
      );

      expect(url.protocol).toBe('postgres:');
      expect(url.hostname).toBe('postgres');
      expect(url.pathname).toBe(`/${database}`);
      expect(url.username).toBe(database);
    });

    it('mounts a volume where the app keeps data', () => {
      const dataDir = service.environment.DATA_DIR;

      expect(dataDir).toBe(`/var/lib/${app}`);
      expect(service.volumes).toEqual([`${app}-data:${dataDir}`]);
    });
  });

  it('passes the validation of docker compose where it is installed', () => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    // NOTE: this machine and CI have no compose plugin, so there the check rests on the tests above.
    if (version.status !== 0) return;

    const result = spawnSync('docker', ['compose', 'config', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe.each(APPS)('Dockerfile of $app', ({ app }) => {
  const instructions = dockerfileInstructions(`apps/${app}/Dockerfile`);
  const from = instructions.filter((line) => line.startsWith('FROM '));
  const finalStage = instructions.slice(instructions.lastIndexOf(from[from.length - 1]));

  it('builds in stages', () => {
    expect(from.length).toBeGreaterThanOrEqual(2);
  });

  it('runs as a user other than root', () => {
    const users = finalStage.filter((line) => line.startsWith('USER '));

    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER (root|0)\b/);
  });

  it('ships production dependencies only', () => {
    expect(instructions).toContainEqual(expect.stringMatching(/npm ci --omit=dev/));
    expect(finalStage.filter((line) => /\bnpm (ci|install)\b/.test(line))).toEqual([]);
    expect(finalStage).toContainEqual(
      expect.stringMatching(/^COPY --from=dependencies \/app\/node_modules /),
    );
  });

  it('has a health check on readiness', () => {
    const check = finalStage.find((line) => line.startsWith('HEALTHCHECK '));

    expect(check).toContain('/readyz');
  });

  it('keeps data where compose mounts it', () => {
    expect(finalStage).toContainEqual(
      expect.stringMatching(new RegExp(`DATA_DIR=/var/lib/${app}`)),
    );
    expect(finalStage).toContain(`VOLUME /var/lib/${app}`);
  });
});
