// `npm run demo`: walks the two-way pairing handshake against the services that `npm start`
// runs, or starts them in a temporary folder when they are not running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  adminPassword,
  build,
  root,
  SERVICES,
  startAll,
  stopAll,
  waitUntilUp,
} from './lib/services.mjs';

const env = process.env;
const jpdUrl = env.JPD_ACCESS_URL ?? `http://localhost:${env.JPD_ACCESS_PORT ?? 8040}`;
const mcUrl = env.MISSION_CONTROL_URL ?? `http://localhost:${env.MISSION_CONTROL_PORT ?? 8080}`;

async function isUp(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/** Sends a request and prints it with its status; returns the parsed body. */
async function call(step, method, url, { auth, json, expect } = {}) {
  const response = await fetch(url, {
    method,
    headers: { authorization: auth, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  const text = await response.text();
  const body =
    text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  console.log(`   ${method} ${new URL(url).pathname} → ${response.status}`);
  if (response.status === 401 && expect !== 401 && auth?.startsWith('Basic')) {
    throw new Error(
      `${step}: the admin password was rejected; run the demo with the ADMIN_PASSWORD and DATA_DIR that npm start used.`,
    );
  }
  if (expect !== undefined && response.status !== expect) {
    throw new Error(
      `${step}: expected HTTP ${expect}, got ${response.status}: ${text.slice(0, 500)}`,
    );
  }
  return body;
}

/** Name prefix of the JPDs this demo adds; it removes only those. */
const DEMO_PREFIX = 'demo-jpd-';

const shorten = (token) => `${token.slice(0, 24)}…(${token.length} characters)`;
const basic = (password) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

let started = [];
let tempRoot;
let jpd = jpdUrl;
let mc = mcUrl;
let passwords;

if ((await isUp(`${jpdUrl}${SERVICES[0].ping}`)) && (await isUp(`${mcUrl}${SERVICES[1].ping}`))) {
  const dataRoot = path.resolve(root, env.DATA_DIR ?? '.data');
  console.log(`Using the running services at ${jpdUrl} and ${mcUrl}.`);
  try {
    passwords = SERVICES.map((s) => adminPassword(path.join(dataRoot, s.app)));
  } catch {
    console.error(
      `No admin password: set ADMIN_PASSWORD, or DATA_DIR to the folder that npm start used (now ${dataRoot}).`,
    );
    process.exit(1);
  }
} else {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'service-trust-demo-'));
  console.log(
    `The services are not running; starting them for this demo with data in ${tempRoot}.`,
  );
  build();
  const ports = { 'jpd-access': 18040, 'mission-control': 18080 };
  started = startAll({ dataRoot: tempRoot, ports, log: () => undefined });
  await Promise.all(started.map((s) => waitUntilUp(`${s.localUrl}${s.ping}`, 30_000, s.child)));
  jpd = started[0].url;
  mc = started[1].url;
  passwords = started.map((s) => adminPassword(s.dataDir));
}
const [jpdAuth, mcAuth] = passwords.map(basic);

// Ctrl+C stops the services this demo started and removes their data.
process.once('SIGINT', async () => {
  await stopAll(started);
  if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
  process.exit(130);
});

try {
  console.log(`\n0. Check Mission Control for JPDs at ${jpd} left by an earlier demo run`);
  const existing = await call(
    'list',
    'GET',
    `${mc}/mc/api/v1/jpds?url=${encodeURIComponent(jpd)}`,
    {
      auth: mcAuth,
      expect: 200,
    },
  );
  const foreign = existing.filter((old) => !old.name.startsWith(DEMO_PREFIX));
  if (foreign.length > 0) {
    throw new Error(
      `Mission Control already has ${foreign[0].id} "${foreign[0].name}" at ${jpd}; the demo leaves it alone. ` +
        'Delete it, or run the demo against other services (JPD_ACCESS_URL, MISSION_CONTROL_URL).',
    );
  }
  for (const old of existing) {
    console.log(`   (removing ${old.id}, left by an earlier demo run)`);
    await call('cleanup', 'DELETE', `${mc}/mc/api/v1/jpds/${old.id}`, {
      auth: mcAuth,
      expect: 204,
    });
  }

  console.log(`\n1. Generate a two-way pairing token for Mission Control at the JPD (${jpd})`);
  const pairing = await call(
    'generate',
    'POST',
    `${jpd}/access/api/v1/service_trust/pairing/mission-control`,
    {
      auth: jpdAuth,
      json: { two_way: true },
      expect: 200,
    },
  );
  console.log(
    `   token_id ${pairing.token_id}, expires_in ${pairing.expires_in} s, token ${shorten(pairing.pairing_token)}`,
  );

  console.log(
    `\n2. Add the JPD in Mission Control (${mc}); Mission Control verifies the token with the JPD's keys,` +
      '\n   exchanges it, probes the JPD, and calls back at the pairing URL with a token of its own',
  );
  const added = await call('add', 'POST', `${mc}/mc/api/v1/jpds`, {
    auth: mcAuth,
    json: {
      name: `${DEMO_PREFIX}${Date.now()}`,
      url: jpd,
      token: pairing.pairing_token,
      location: { city_name: 'Sunnyvale', country_code: 'US', latitude: 37.37, longitude: -122.04 },
      tags: ['demo'],
    },
    expect: 201,
  });
  console.log(`   ${added.id} "${added.name}" service_id ${added.service_id}`);
  console.log(`   status ${added.status.code}: ${added.status.message}`);
  console.log(`   trust ${added.trust}, two-way ${added.two_way.status}: ${added.two_way.message}`);

  console.log('\n3. The JPD lists its pairing with Mission Control, in both directions');
  const { pairings } = await call(
    'pairings',
    'GET',
    `${jpd}/access/api/v1/service_trust/pairings`,
    {
      auth: jpdAuth,
      expect: 200,
    },
  );
  const pairingWithMc = pairings.find((p) => p.status === 'active' && p.base_url === mc);
  console.log(
    `   pairing ${pairingWithMc.id}: ${pairingWithMc.service_id} at ${pairingWithMc.base_url}`,
  );
  console.log(
    `   trust ${pairingWithMc.trust}; JPD's master token at Mission Control ${pairingWithMc.reverse?.token_id}`,
  );

  console.log('\n4. The pairing token is single use: presenting it again is rejected');
  const replay = await call('replay', 'POST', `${jpd}/access/api/v1/service_trust/exchange`, {
    auth: `Bearer ${pairing.pairing_token}`,
    json: { service_id: 'jfmc@replay', base_url: 'http://replay.invalid' },
    expect: 409,
  });
  console.log(`   ${replay.errors[0].code}: ${replay.errors[0].message}`);

  console.log('\n5. The JPD sends Mission Control a heartbeat with the master token it received');
  const { heartbeats } = await call(
    'heartbeat',
    'POST',
    `${jpd}/access/api/v1/service_trust/heartbeat`,
    {
      auth: jpdAuth,
      expect: 200,
    },
  );
  console.log(
    `   heartbeat to ${heartbeats[0].base_url}: ${heartbeats[0].ok ? 'accepted' : heartbeats[0].error}`,
  );
  const afterHeartbeat = await call('get', 'GET', `${mc}/mc/api/v1/jpds/${added.id}`, {
    auth: mcAuth,
    expect: 200,
  });
  console.log(`   Mission Control: last heartbeat at ${afterHeartbeat.last_heartbeat_at}`);

  console.log(
    "\n6. Mission Control revokes the JPD's master token; the JPD's next heartbeat is rejected",
  );
  await call('revoke', 'DELETE', `${mc}/mc/api/v1/service_trust/pairings/jpd`, {
    auth: mcAuth,
    json: { base_url: jpd },
    expect: 204,
  });
  const rejected = await call('heartbeat', 'POST', `${jpd}/access/api/v1/service_trust/heartbeat`, {
    auth: jpdAuth,
    expect: 200,
  });
  console.log(
    `   heartbeat: HTTP ${rejected.heartbeats[0].status}, ${rejected.heartbeats[0].error}`,
  );
  const oneWay = await call('get', 'GET', `${mc}/mc/api/v1/jpds/${added.id}`, {
    auth: mcAuth,
    expect: 200,
  });
  console.log(`   Mission Control now shows trust ${oneWay.trust}`);

  console.log('\n7. Mission Control probes the JPD with its master token');
  const online = await call('probe', 'POST', `${mc}/mc/api/v1/jpds/${added.id}/probe`, {
    auth: mcAuth,
    expect: 200,
  });
  console.log(`   status ${online.status.code}: ${online.status.message}`);

  console.log('\n8. The JPD revokes the trust; Mission Control probes again and sees it');
  await call('revoke', 'DELETE', `${jpd}/access/api/v1/service_trust/pairings/mission-control`, {
    auth: jpdAuth,
    json: { base_url: mc },
    expect: 204,
  });
  const revoked = await call('probe', 'POST', `${mc}/mc/api/v1/jpds/${added.id}/probe`, {
    auth: mcAuth,
    expect: 200,
  });
  console.log(`   status ${revoked.status.code}: ${revoked.status.message}`);

  console.log(`\n9. Remove ${added.id} from Mission Control`);
  await call('delete', 'DELETE', `${mc}/mc/api/v1/jpds/${added.id}`, { auth: mcAuth, expect: 204 });

  const outcome = [
    added.trust,
    heartbeats[0].ok,
    rejected.heartbeats[0].status,
    online.status.code,
    revoked.status.code,
  ];
  if (outcome.join() !== ['TWO_WAY', true, 401, 'ONLINE', 'UNAUTHORIZED'].join()) {
    throw new Error(`Unexpected outcome: ${outcome.join(', ')}.`);
  }
  console.log('\nThe handshake worked: two-way trust, heartbeat, revocation seen on both sides.');
} catch (error) {
  console.error(`\nThe demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll(started);
  if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
}
