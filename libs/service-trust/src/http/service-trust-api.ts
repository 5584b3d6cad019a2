import {
  exchangeRequestSchema,
  exchangeResponseSchema,
  pairingTokenRequestSchema,
  pairingTokenResponseSchema,
} from '@service-trust/pairing-protocol';
import { z } from 'zod';

import type { ApiOperation } from '../observability/openapi';
import { createTokenSchema, peerPairingSchema, revokePairingSchema } from './service-trust-router';

/** Routes that every service serves at its root, outside the API prefix. */
export const rootOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/healthz',
    root: true,
    summary: 'Reports that the process is up.',
    caller: 'anyone',
    response: { status: 200, description: 'The process is up.' },
  },
  {
    method: 'get',
    path: '/readyz',
    root: true,
    summary: 'Reports whether the service can serve requests: the database answers a query.',
    caller: 'anyone',
    response: { status: 200, description: 'Ready.' },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    root: true,
    summary: 'Metrics in the Prometheus text format.',
    caller: 'anyone',
    response: {
      status: 200,
      description: 'Prometheus text format 0.0.4.',
      contentType: 'text/plain',
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    root: true,
    summary: 'This OpenAPI 3.1 document.',
    caller: 'anyone',
    response: { status: 200, description: 'The OpenAPI document.' },
  },
  {
    method: 'get',
    path: '/api-docs',
    root: true,
    summary: 'A readable reference page built from the OpenAPI document.',
    caller: 'anyone',
    response: { status: 200, description: 'An HTML page.', contentType: 'text/html' },
  },
];

const tokenViewSchema = z.object({
  token_id: z.string(),
  kind: z.enum(['pairing', 'master', 'access']),
  subject: z.string(),
  scope: z.string(),
  use_case: z.string().optional(),
  status: z.enum(['active', 'used', 'revoked']),
  issued_at: z.string(),
  expires_at: z.string(),
});

/** Routes of service trust and the system endpoints, under a service's API prefix. */
export const serviceTrustOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/system/ping',
    summary: 'Liveness check of the API; returns OK as plain text.',
    caller: 'anyone',
    response: { status: 200, description: 'OK.', contentType: 'text/plain' },
  },
  {
    method: 'get',
    path: '/system/info',
    summary: "The service's id, base URL, name and version.",
    caller: 'master token or admin',
    response: { status: 200, description: 'Service identity.' },
  },
  {
    method: 'get',
    path: '/keys/jwks',
    summary: 'Public signing keys as a JSON Web Key Set.',
    caller: 'anyone',
    response: { status: 200, description: 'The key set.' },
  },
  {
    method: 'post',
    path: '/service_trust/pairing/:useCase',
    summary: 'Generates a pairing token for a use case this service issues.',
    caller: 'admin',
    body: pairingTokenRequestSchema,
    optionalBody: true,
    response: {
      status: 200,
      description: 'The pairing token.',
      schema: pairingTokenResponseSchema,
    },
    errors: [404],
  },
  {
    method: 'post',
    path: '/service_trust/exchange',
    summary: 'Exchanges a pairing token, sent as a bearer token, for a master token.',
    caller: 'pairing token',
    body: exchangeRequestSchema,
    response: { status: 200, description: 'The master token.', schema: exchangeResponseSchema },
    errors: [409, 429],
  },
  {
    method: 'put',
    path: '/service_trust/pairing/:useCase',
    summary: "Accepts a peer's pairing token to establish two-way trust.",
    caller: 'master token or admin',
    body: peerPairingSchema,
    response: { status: 200, description: 'The accepted peer credential.' },
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/service_trust/heartbeat',
    summary: 'Sends a heartbeat to each peer with two-way trust now.',
    caller: 'admin',
    response: { status: 200, description: 'The result of each heartbeat.' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/service_trust/pairings',
    summary: 'Lists pairings with their trust direction; never a token.',
    caller: 'admin',
    response: { status: 200, description: 'The pairings.' },
  },
  {
    method: 'delete',
    path: '/service_trust/pairings/:useCase',
    summary: 'Revokes the trust with the peer at base_url, and its master token.',
    caller: 'admin',
    body: revokePairingSchema,
    response: { status: 204, description: 'Revoked.' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/tokens',
    summary: 'Creates an admin access token.',
    caller: 'admin',
    body: createTokenSchema,
    optionalBody: true,
    response: { status: 200, description: 'The access token.', schema: exchangeResponseSchema },
  },
  {
    method: 'get',
    path: '/tokens/:id',
    summary: 'Shows the state of any token by id.',
    caller: 'admin',
    response: { status: 200, description: 'The token state.', schema: tokenViewSchema },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/tokens/:id',
    summary: 'Revokes any token by id.',
    caller: 'admin',
    response: { status: 204, description: 'Revoked.' },
    errors: [404],
  },
];

const sessionSchema = z.object({
  username: z.string(),
  csrf_token: z.string(),
  expires_at: z.iso.datetime(),
});

/** Routes that only the admin web page calls, under the API prefix. */
export const adminPageOperations: readonly ApiOperation[] = [
  {
    method: 'post',
    path: '/ui/session',
    summary:
      'Signs in to the admin page with HTTP Basic credentials; sets an HttpOnly session cookie.',
    caller: 'anyone',
    response: {
      status: 200,
      description: 'The session, with the CSRF token that state-changing requests must send.',
      schema: sessionSchema,
    },
    errors: [400, 429],
  },
  {
    method: 'get',
    path: '/ui/session',
    summary: 'Returns the session of the session cookie.',
    caller: 'admin',
    response: { status: 200, description: 'The current session.', schema: sessionSchema },
  },
  {
    method: 'delete',
    path: '/ui/session',
    summary: 'Signs out: ends the session and clears its cookie.',
    caller: 'admin',
    response: { status: 204, description: 'Signed out.' },
  },
  {
    method: 'get',
    path: '/ui/pairing_tokens',
    summary: 'Lists the newest pairing tokens with their state, never their text.',
    caller: 'admin',
    response: { status: 200, description: 'Pairing tokens, newest first.' },
  },
];

/** The redirect to the admin page, for services that serve one. */
export const adminPageRootOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/',
    root: true,
    summary: 'Redirects to the admin page under /ui/.',
    caller: 'anyone',
    response: { status: 302, description: 'A redirect to /ui/.' },
  },
];
