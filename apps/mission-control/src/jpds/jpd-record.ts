import { EntitySchema } from 'typeorm';
import { timestampType, type Dialect } from '@service-trust/server';

/** Status codes of a JPD, as in JFrog Mission Control. */
export type JpdStatusCode = 'ONLINE' | 'OFFLINE' | 'UNAUTHORIZED';

/** Location of a JPD, shown on Mission Control's map. */
export interface JpdLocation {
  city_name?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
}

/** State of the reverse direction of trust, from the JPD to Mission Control. */
export type TwoWayStatus = 'NONE' | 'ESTABLISHED' | 'FAILED';

/** A JPD that Mission Control trusts. The master token is stored encrypted. */
export interface JpdRecord {
  seq: number;
  name: string;
  url: string;
  serviceId: string;
  location: string;
  tags: string;
  encryptedMasterToken: string;
  masterTokenId: string;
  statusCode: JpdStatusCode;
  statusMessage: string;
  statusCheckedAt: Date | null;
  /** Pairing URL from the JPD's token; set when the JPD asked for two-way trust. */
  pairingUrl: string | null;
  twoWayStatus: TwoWayStatus;
  twoWayMessage: string | null;
  lastHeartbeatAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const JPD_ENTITY = 'Jpd';

/** Builds the JPD entity with column types for `dialect`. */
export function jpdEntities(dialect: Dialect): EntitySchema<any>[] {
  const timestamp = timestampType(dialect);
  return [
    new EntitySchema<JpdRecord>({
      name: JPD_ENTITY,
      tableName: 'jpds',
      columns: {
        seq: { type: 'integer', primary: true, generated: 'increment' },
        name: { type: 'varchar', length: 200, unique: true },
        url: { type: 'varchar', length: 2048, unique: true },
        serviceId: { name: 'service_id', type: 'varchar', length: 200 },
        location: { type: 'text' },
        tags: { type: 'text' },
        encryptedMasterToken: { name: 'encrypted_master_token', type: 'text' },
        masterTokenId: { name: 'master_token_id', type: 'varchar', length: 36 },
        statusCode: { name: 'status_code', type: 'varchar', length: 16 },
        statusMessage: { name: 'status_message', type: 'varchar', length: 500 },
        statusCheckedAt: { name: 'status_checked_at', type: timestamp, nullable: true },
        pairingUrl: { name: 'pairing_url', type: 'varchar', length: 2048, nullable: true },
        twoWayStatus: { name: 'two_way_status', type: 'varchar', length: 16, default: 'NONE' },
        twoWayMessage: { name: 'two_way_message', type: 'varchar', length: 500, nullable: true },
        lastHeartbeatAt: { name: 'last_heartbeat_at', type: timestamp, nullable: true },
        createdAt: { name: 'created_at', type: timestamp },
        updatedAt: { name: 'updated_at', type: timestamp },
      },
    }),
  ];
}

/** Public id of a JPD, e.g. `JPD-1`. */
export function jpdId(record: Pick<JpdRecord, 'seq'>): string {
  return `JPD-${record.seq}`;
}

/** Reads the sequence number from a public id; undefined when `id` is not one. */
export function seqOf(id: string): number | undefined {
  const match = /^JPD-([1-9][0-9]{0,9})$/.exec(id);
  const seq = match ? Number(match[1]) : undefined;
  return seq !== undefined && seq <= MAX_SEQ ? seq : undefined;
}

/** Largest value of the `seq` column, a 32-bit integer; PostgreSQL raises an error past it. */
const MAX_SEQ = 2_147_483_647;
