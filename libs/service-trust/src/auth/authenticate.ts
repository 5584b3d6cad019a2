import { randomBytes } from 'node:crypto';

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ADMIN_SCOPE, hasScope, InvalidTokenError } from '@service-trust/pairing-protocol';
import type { DataSource } from 'typeorm';

import { Entities } from '../entities/schemas';
import type { UserRecord } from '../entities/records';
import { forbidden, unauthorized } from '../http/http-error';
import { clientAddress, tooManyRequests, type RateLimiter } from '../http/rate-limiter';
import type { Logger } from '../logger';
import type { AuthenticatedToken, TokenService } from '../trust/token-service';
import { hashPassword, verifyPassword } from './passwords';

/** Caller of a request: a local user, or a peer service holding a master token. */
export type Principal =
  | { kind: 'user'; username: string; scope: string; expiresAt?: Date }
  | { kind: 'service'; subject: string; scope: string; token: AuthenticatedToken };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Returns the name of the user behind an admin request; a peer service acts as `admin`. */
export function usernameOf(req: Request): string {
  return req.principal?.kind === 'user' ? req.principal.username : 'admin';
}

/** Reads the credentials of a request: HTTP Basic, a bearer access token or a browser session. */
export async function createAuthenticator(options: {
  dataSource: DataSource;
  tokens: TokenService;
  logger: Logger;
  /** Counts failed Basic logins per client; over the limit, logins get 429 before any hashing. */
  loginFailures: RateLimiter;
  /** Browser sessions of the admin page, checked when a request has no Authorization header. */
  sessions?: { principalOf(req: Request): Promise<Principal> };
}) {
  const DUMMY_HASH = await hashPassword(randomBytes(16).toString('hex'));
  const users = options.dataSource.getRepository<UserRecord>(Entities.user);

  async function principalOf(req: Request): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) {
      if (options.sessions) return options.sessions.principalOf(req);
      throw unauthorized();
    }

    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme.toLowerCase() === 'basic') {
      const client = clientAddress(req);
      const wait = options.loginFailures.retryAfter(client);
      if (wait > 0) throw tooManyRequests(wait);

      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (decoded.includes('\u0000')) throw unauthorized('Bad credentials.');
      const separator = decoded.indexOf(':');
      const username = separator > 0 ? decoded.slice(0, separator) : '';
      const user = username ? await users.findOneBy({ username }) : null;

      // An unknown user is checked against a dummy hash, so the response time does not reveal
      // which usernames exist.
      const matches = await verifyPassword(
        decoded.slice(separator + 1),
        user?.passwordHash ?? DUMMY_HASH,
      );
      if (!user || !matches) {
        options.loginFailures.record(client);
        // Only a known username is logged: an unknown one may be a password typed in the wrong field.
        options.logger.info({ username: user?.username }, 'basic authentication failed');
        throw unauthorized('Bad credentials.');
      }
      return { kind: 'user', username, scope: ADMIN_SCOPE };
    }

    if (scheme.toLowerCase() === 'bearer') {
      let token: AuthenticatedToken;
      try {
        token = await options.tokens.authenticate(value);
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        options.logger.info(
          { code: error.code, detail: error.detail },
          'bearer authentication failed',
        );
        throw unauthorized(error.message, error.code);
      }
      if (token.record.kind === 'access') {
        return {
          kind: 'user',
          username: token.claims.sub.split('/users/')[1] ?? token.claims.sub,
          scope: token.record.scope,
          expiresAt: token.record.expiresAt,
        };
      }
      return { kind: 'service', subject: token.claims.sub, scope: token.record.scope, token };
    }

    throw unauthorized('Use HTTP Basic or a bearer token.');
  }

  /** Requires credentials that grant `scope`; an admin user has every scope. */
  function requireScope(scope: string): RequestHandler {
    return async (req: Request, _res: Response, next: NextFunction) => {
      const principal = await principalOf(req);
      if (!hasScope(principal.scope, scope) && !hasScope(principal.scope, ADMIN_SCOPE)) {
        throw forbidden(`The credentials do not grant the scope ${scope}.`);
      }
      req.principal = principal;
      next();
    };
  }

  return { requireAdmin: requireScope(ADMIN_SCOPE), requireScope, principalOf };
}

export type Authenticator = Awaited<ReturnType<typeof createAuthenticator>>;
