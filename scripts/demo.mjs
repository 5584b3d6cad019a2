// `npm run demo`: walks the one-way pairing handshake against the services that `npm start`
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
  if (expect !== undefined && response.status !== expect) {
    throw new Error(
      `${step}: expected HTTP ${expect}, got ${response.status}: ${text.slice(0, 500)}`,
    );
  }
  return body;
}

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
  passwords = SERVICES.map((s) => adminPassword(path.join(dataRoot, s.app)));
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

try {
  console.log(`\n1. Generate a pairing token for Mission Control at the JPD (${jpd})`);
  const pairing = await call(
    'generate',
    'POST',
    `${jpd}/access/api/v1/service_trust/pairing/mission-control`,
    {
      auth: jpdAuth,
      expect: 200,
    },
  );
  console.log(
    `   token_id ${pairing.token_id}, expires_in ${pairing.expires_in} s, token ${shorten(pairing.pairing_token)}`,
  );

  const existing = await call(
    'list',
    'GET',
    `${mc}/mc/api/v1/jpds?url=${encodeURIComponent(jpd)}`,
    { auth: mcAuth, expect: 200 },
  );
  for (const old of existing) {
    console.log(`   (removing ${old.id} left by an earlier demo run)`);
    await call('cleanup', 'DELETE', `${mc}/mc/api/v1/jpds/${old.id}`, {
      auth: mcAuth,
      expect: 204,
    });
  }

  console.log(
    `\n2. Add the JPD in Mission Control (${mc}); Mission Control verifies the token with the JPD's keys and exchanges it`,
  );
  const added = await call('add', 'POST', `${mc}/mc/api/v1/jpds`, {
    auth: mcAuth,
    json: {
      name: `demo-jpd-${Date.now()}`,
      url: jpd,
      token: pairing.pairing_token,
      location: { city_name: 'Sunnyvale', country_code: 'US', latitude: 37.37, longitude: -122.04 },
      tags: ['demo'],
    },
    expect: 201,
  });
  console.log(
    `   ${added.id} "${added.name}" service_id ${added.service_id}, status ${added.status.code}: ${added.status.message}`,
  );

  console.log('\n3. The exchange: the JPD now lists a pairing with Mission Control');
  const { pairings } = await call(
    'pairings',
    'GET',
    `${jpd}/access/api/v1/service_trust/pairings`,
    { auth: jpdAuth, expect: 200 },
  );
  const pairingWithMc = pairings.find((p) => p.status === 'active' && p.base_url === mc);
  console.log(
    `   pairing ${pairingWithMc.id}: ${pairingWithMc.service_id} at ${pairingWithMc.base_url}, master token ${pairingWithMc.master_token_id}`,
  );

  console.log('\n4. The pairing token is single use: presenting it again is rejected');
  const replay = await call('replay', 'POST', `${jpd}/access/api/v1/service_trust/exchange`, {
    auth: `Bearer ${pairing.pairing_token}`,
    json: { service_id: 'jfmc@replay', base_url: 'http://replay.invalid' },
    expect: 409,
  });
  console.log(`   ${replay.errors[0].code}: ${replay.errors[0].message}`);

  console.log('\n5. Mission Control probes the JPD with its master token');
  const online = await call('probe', 'POST', `${mc}/mc/api/v1/jpds/${added.id}/probe`, {
    auth: mcAuth,
    expect: 200,
  });
  console.log(`   status ${online.status.code}: ${online.status.message}`);

  console.log('\n6. Revoke the trust at the JPD');
  await call('revoke', 'DELETE', `${jpd}/access/api/v1/service_trust/pairings/mission-control`, {
    auth: jpdAuth,
    json: { base_url: mc },
    expect: 204,
  });

  console.log('\n7. Mission Control probes again and sees the revocation');
  const revoked = await call('probe', 'POST', `${mc}/mc/api/v1/jpds/${added.id}/probe`, {
    auth: mcAuth,
    expect: 200,
  });
  console.log(`   status ${revoked.status.code}: ${revoked.status.message}`);

  console.log(`\n8. Remove ${added.id} from Mission Control`);
  await call('delete', 'DELETE', `${mc}/mc/api/v1/jpds/${added.id}`, { auth: mcAuth, expect: 204 });

  if (online.status.code !== 'ONLINE' || revoked.status.code !== 'UNAUTHORIZED') {
    throw new Error(
      `Expected ONLINE then UNAUTHORIZED, got ${online.status.code} then ${revoked.status.code}.`,
    );
  }
  console.log('\nThe handshake worked: paired, ONLINE, revoked, UNAUTHORIZED.');
} catch (error) {
  console.error(`\nThe demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll(started);
  if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
}
