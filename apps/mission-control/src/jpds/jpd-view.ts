import {
  jpdId,
  type JpdLocation,
  type JpdRecord,
  type JpdStatusCode,
  type TwoWayStatus,
} from './jpd-record';

/** A JPD as the REST API returns it: never with its token. */
export interface JpdView {
  id: string;
  name: string;
  url: string;
  service_id: string;
  location: JpdLocation;
  tags: string[];
  status: { code: JpdStatusCode; message: string; checked_at?: string };
  /** `TWO_WAY` when the JPD also has a live master token for Mission Control. */
  trust: 'ONE_WAY' | 'TWO_WAY';
  two_way: { status: TwoWayStatus; message?: string };
  last_heartbeat_at?: string;
  created_at: string;
  updated_at: string;
}

/** Returns a JPD as the REST API shows it, given the base URLs with an active reverse pairing. */
export function jpdView(record: JpdRecord, reversePairingUrls: Set<string>): JpdView {
  return {
    id: jpdId(record),
    name: record.name,
    url: record.url,
    service_id: record.serviceId,
    location: JSON.parse(record.location) as JpdLocation,
    tags: JSON.parse(record.tags) as string[],
    status: {
      code: record.statusCode,
      message: record.statusMessage,
      checked_at: record.statusCheckedAt?.toISOString(),
    },
    trust: reversePairingUrls.has(record.url) ? 'TWO_WAY' : 'ONE_WAY',
    two_way: { status: record.twoWayStatus, message: record.twoWayMessage ?? undefined },
    last_heartbeat_at: record.lastHeartbeatAt?.toISOString(),
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
