import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { ADMIN_SCOPE } from '@service-trust/pairing-protocol';
import type { Request } from 'express';
import { LessThan, type DataSource, type Repository } from 'typeorm';

import type { Principal } from '../auth/authenticate';
import type { AdminSessionRecord } from '../entities/records';
import { Entities } from '../entities/schemas';
import { forbidden, HttpError } from '../http/http-error';
import type { Logger } from '../logger';
import type { Clock } from '../trust/token-service';
import { readCookie } from './session-cookie';

/** Lifetime of a browser session, counted from sign-in: 8 hours. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

/** Header that carries the session's CSRF token on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change no state, so they need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A new session: the token goes into the cookie and the CSRF token to the page. */
export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Browser sessions of the admin web page, kept in the service's database so that signing out
 * ends a session on every replica at once.
 */
export class SessionStore {
  constructor(
    private readonly options: {
      dataSource: DataSource;
      /** Name of the session cookie, unique per service instance. */
      cookieName: string;
      logger: Logger;
      clock: Clock;
    },
  ) {}

  get cookieName(): string {
    return this.options.cookieName;
  }

  private get sessions(): Repository<AdminSessionRecord> {
    return this.options.dataSource.getRepository<AdminSessionRecord>(Entities.adminSession);
  }

  /** Starts a session for `username` and deletes the sessions that have expired. */
  async create(username: string): Promise<NewSession> {
    const now = this.options.clock();
    await this.sessions.delete({ expiresAt: LessThan(now) });

    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_SECONDS * 1000);
    await this.sessions.insert({
      id: hashToken(token),
      username,
      csrfToken,
      createdAt: now,
      expiresAt,
    });
    this.options.logger.info({ username }, 'admin_session.created');
    return { token, csrfToken, expiresAt };
  }

  /** Returns the unexpired session of the request's cookie, or `null`. */
  async find(req: Request): Promise<AdminSessionRecord | null> {
    const token = readCookie(req, this.options.cookieName);
    if (!token) return null;

    const session = await this.sessions.findOneBy({ id: hashToken(token) });
    if (!session || session.expiresAt <= this.options.clock()) return null;
    return session;
  }

  /** Ends the session of the request's cookie, if there is one. */
  async delete(req: Request): Promise<void> {
    const session = await this.find(req);
    if (!session) return;
    await this.sessions.delete({ id: session.id });
    this.options.logger.info({ username: session.username }, 'admin_session.deleted');
  }

  /**
   * Returns the principal of a request that carries no Authorization header. A state-changing
   * request must also send the session's CSRF token in the X-CSRF-Token header.
   *
   * @throws {HttpError} 401 without a valid session, 403 without the right CSRF token.
   */
  async principalOf(req: Request): Promise<Principal> {
    const session = await this.find(req);
    if (!session) throw sessionRequired(req);

    if (!SAFE_METHODS.has(req.method) && !sameToken(req.headers[CSRF_HEADER], session.csrfToken)) {
      throw forbidden('The X-CSRF-Token header is missing or wrong.', 'CSRF_TOKEN_INVALID');
    }
    return { kind: 'user', username: session.username, scope: ADMIN_SCOPE };
  }
}

/**
 * Returns the 401 of a request without valid credentials. The Basic challenge is left out for
 * requests from the admin page, which send the X-CSRF-Token header, so that the browser shows
 * the page's sign-in form and not its own password dialog.
 */
export function sessionRequired(req: Request, message = 'Authentication is required.'): HttpError {
  const headers: Record<string, string> =
    req.headers[CSRF_HEADER] === undefined
      ? { 'WWW-Authenticate': 'Basic realm="service-trust", Bearer' }
      : {};
  return new HttpError(401, 'UNAUTHORIZED', message, headers);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sameToken(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
