import {
  describePeerErrors,
  PeerRequestError,
  sanitizePeerText,
  type PeerClient,
  type SecretBox,
} from '@service-trust/server';

import type { JpdRecord, JpdStatusCode, TwoWayStatus } from './jpd-record';

/** Path of a JPD's identity endpoint, which accepts the master token; used as the probe. */
export const JPD_INFO_PATH = '/access/api/v1/system/info';

/** Context that binds a stored master token to its JPD's URL. */
export function masterTokenContext(url: string): string {
  return `jpd-master-token:${url}`;
}

/** Probes a JPD with its master token and returns its status. */
export async function checkJpdStatus(options: {
  peers: PeerClient;
  secretBox: SecretBox;
  record: JpdRecord;
}): Promise<{ code: JpdStatusCode; message: string }> {
  const { peers, secretBox, record } = options;
  let masterToken: string;
  try {
    masterToken = secretBox.open(record.encryptedMasterToken, masterTokenContext(record.url));
  } catch {
    return {
      code: 'UNAUTHORIZED',
      message: 'The stored master token cannot be decrypted with the configured key.',
    };
  }

  try {
    const response = await peers.request(`${record.url}${JPD_INFO_PATH}`, {
      bearer: masterToken,
    });
    if (response.status === 200) {
      const version = (response.body as { version?: unknown } | undefined)?.version;
      return {
        code: 'ONLINE',
        message: `The JPD is online${typeof version === 'string' ? ` (version ${sanitizePeerText(version, 64)})` : ''}.`,
      };
    }
    if (response.status === 401 || response.status === 403) {
      return {
        code: 'UNAUTHORIZED',
        message: `The JPD rejected the master token (HTTP ${response.status}); trust was revoked.`,
      };
    }
    return { code: 'OFFLINE', message: `The JPD responded with HTTP ${response.status}.` };
  } catch (error) {
    if (error instanceof PeerRequestError) return { code: 'OFFLINE', message: error.message };
    throw error;
  }
}

/**
 * Sends Mission Control's pairing token to a JPD's pairing URL, authenticated with the JPD's
 * master token, and describes the outcome.
 */
export async function sendTwoWayCallback(options: {
  peers: PeerClient;
  masterToken: string;
  pairingUrl: string;
  pairingToken: string;
}): Promise<{ status: TwoWayStatus; message: string }> {
  let status: TwoWayStatus = 'FAILED';
  let message: string;
  try {
    const response = await options.peers.request(options.pairingUrl, {
      method: 'PUT',
      bearer: options.masterToken,
      json: { pairing_token: options.pairingToken },
    });
    if (response.status >= 200 && response.status < 300) {
      status = 'ESTABLISHED';
      message = 'Two-way trust established.';
    } else {
      message = `The JPD rejected the callback (HTTP ${response.status}${describePeerErrors(response.body)}).`;
    }
  } catch (error) {
    if (!(error instanceof PeerRequestError)) throw error;
    message = `The callback to the JPD failed: ${error.message}`;
  }
  return { status, message };
}
