import { CreateServiceTrustTables1764806400000 } from './1764806400000-create-service-trust-tables';
import { CreatePeerCredentialsTable1764900000000 } from './1764900000000-create-peer-credentials-table';
import { CreateAdminSessionsTable1765000000000 } from './1765000000000-create-admin-sessions-table';

/** Migrations of the tables that every service uses, oldest first. */
export const serviceTrustMigrations = [
  CreateServiceTrustTables1764806400000,
  CreatePeerCredentialsTable1764900000000,
  CreateAdminSessionsTable1765000000000,
];
