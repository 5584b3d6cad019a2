import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ulid } from 'ulid';
import type { DataSource } from 'typeorm';

import { hashPassword } from '../auth/passwords';
import { Entities } from '../entities/schemas';
import type { ServiceIdentityRecord, UserRecord } from '../entities/records';
import type { Logger } from '../logger';

/**
 * Returns the service id, creating `<prefix>@<ulid>` at first start. When replicas start at the
 * same time, the first insert wins and the others read its id.
 */
export async function ensureServiceId(dataSource: DataSource, prefix: string): Promise<string> {
  const repository = dataSource.getRepository<ServiceIdentityRecord>(Entities.serviceIdentity);
  const existing = await repository.findOneBy({ id: 1 });
  if (existing) return existing.serviceId;

  await repository
    .createQueryBuilder()
    .insert()
    .values({ id: 1, serviceId: `${prefix}@${ulid().toLowerCase()}`, createdAt: new Date() })
    .orIgnore()
    .execute();
  const created = await repository.findOneByOrFail({ id: 1 });
  return created.serviceId;
}

/** Name of the bootstrap administrator. */
export const ADMIN_USERNAME = 'admin';

/**
 * Creates or updates the bootstrap `admin` user. With `password` set, that password is stored.
 * Without it, a first start generates one into `<dataDir>/admin.password` (mode 0600) and logs
 * the file name, never the password; later starts keep the stored hash.
 */
export async function ensureAdminUser(options: {
  dataSource: DataSource;
  password?: string;
  dataDir: string;
  logger: Logger;
}): Promise<void> {
  const repository = options.dataSource.getRepository<UserRecord>(Entities.user);
  const existing = await repository.findOneBy({ username: ADMIN_USERNAME });
  const now = new Date();

  if (options.password) {
    const passwordHash = await hashPassword(options.password);
    if (existing)
      await repository.update({ username: ADMIN_USERNAME }, { passwordHash, updatedAt: now });
    else
      await insertUser(options.dataSource, {
        username: ADMIN_USERNAME,
        passwordHash,
        createdAt: now,
        updatedAt: now,
      });
    options.logger.info({ username: ADMIN_USERNAME }, 'admin password set from ADMIN_PASSWORD');

    // A password generated at an earlier start no longer works, so its file must not mislead.
    const stale = path.join(options.dataDir, 'admin.password');
    if (fs.existsSync(stale)) {
      fs.rmSync(stale);
      options.logger.info(
        { file: path.resolve(stale) },
        'removed the generated admin password file',
      );
    }
    return;
  }
  if (existing) return;

  const file = path.join(options.dataDir, 'admin.password');
  const password = randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(password);
  fs.mkdirSync(options.dataDir, { recursive: true });
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  await insertUser(options.dataSource, {
    username: ADMIN_USERNAME,
    passwordHash,
    createdAt: now,
    updatedAt: now,
  });
  options.logger.warn(
    { username: ADMIN_USERNAME, file: path.resolve(file) },
    'generated the admin password; read it from the file named here',
  );
}

async function insertUser(dataSource: DataSource, user: UserRecord): Promise<void> {
  await dataSource
    .getRepository<UserRecord>(Entities.user)
    .createQueryBuilder()
    .insert()
    .values(user)
    .orIgnore()
    .execute();
}
