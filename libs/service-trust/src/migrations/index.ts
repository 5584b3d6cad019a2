import { CreateServiceTrustTables1764806400000 } from './1764806400000-create-service-trust-tables';
import { CreatePeerCredentialsTable1764900000000 } from './1764900000000-create-peer-credentials-table';
import { AddExchangeRequestHash1765000000000 } from './1765000000000-add-exchange-request-hash';
import { CreateAdminSessionsTable1765100000000 } from './1765100000000-create-admin-sessions-table';

/** Migrations of the tables that every service uses, oldest first. */
export const serviceTrustMigrations = [
  CreateServiceTrustTables1764806400000,
  CreatePeerCredentialsTable1764900000000,
  AddExchangeRequestHash1765000000000,
  CreateAdminSessionsTable1765100000000,
];
