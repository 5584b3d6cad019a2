import express, { type Router } from 'express';
import type { DataSource } from 'typeorm';

import type { Authenticator } from '../auth/authenticate';
import { badRequest, HttpError } from '../http/http-error';
import type { Clock } from '../trust/token-service';
import { listPairingTokens } from './pairing-token-list';
import { writeSessionCookie } from './session-cookie';
import { SESSION_TTL_SECONDS, sessionRequired, type SessionStore } from './session-store';

/**
 * Routes that only the admin web page uses, mounted under a service's API prefix: sign-in and
 * sign-out of browser sessions, and the list of issued pairing tokens.
 */
export function createAdminPageApi(options: {
  sessions: SessionStore;
  auth: Authenticator;
  dataSource: DataSource;
  apiPrefix: string;
  baseUrl: string;
  clock: Clock;
}): Router {
  const { sessions, auth } = options;
  const router = express.Router();
  const cookie = (value: string, maxAgeSeconds: number) => ({
    name: sessions.cookieName,
    value,
    maxAgeSeconds,
    path: options.apiPrefix,
    baseUrl: options.baseUrl,
  });

  // Sign-in takes the password as HTTP Basic, so it goes through the same checks and failed-login
  // limit as every other Basic request.
  router.post('/ui/session', async (req, res) => {
    if (!/^basic /i.test(req.headers.authorization ?? '')) {
      throw badRequest('Sign in with a username and password as HTTP Basic credentials.');
    }
    let username: string;
    try {
      const principal = await auth.principalOf(req);
      if (principal.kind !== 'user') throw badRequest('Only a user can sign in.');
      username = principal.username;
    } catch (error) {
      // The page shows its own message, so the Basic challenge that would open the browser's
      // password dialog is dropped.
      if (error instanceof HttpError && error.status === 401) {
        throw new HttpError(401, error.code, error.message);
      }
      throw error;
    }

    const session = await sessions.create(username);
    writeSessionCookie(res, cookie(session.token, SESSION_TTL_SECONDS));
    res.set('Cache-Control', 'no-store').json({
      username,
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt.toISOString(),
    });
  });

  router.get('/ui/session', async (req, res) => {
    const session = await sessions.find(req);
    if (!session) throw sessionRequired(req, 'Not signed in.');
    res.set('Cache-Control', 'no-store').json({
      username: session.username,
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt.toISOString(),
    });
  });

  router.delete('/ui/session', async (req, res) => {
    await sessions.principalOf(req);
    await sessions.delete(req);
    writeSessionCookie(res, cookie('', 0));
    res.status(204).end();
  });

  router.get('/ui/pairing_tokens', auth.requireAdmin, async (_req, res) => {
    const tokens = await listPairingTokens(options.dataSource, options.clock());
    res.json({ pairing_tokens: tokens });
  });

  return router;
}
