import { createHash } from 'node:crypto';

import { Entities, type AdminSessionRecord } from '@service-trust/server';
import { requestJson, testDialects, type JsonResponse } from '@service-trust/server/testing';

import {
  exchangeOrThrow,
  expectError,
  issuePairingToken,
  startAccess,
  type AccessInstance,
} from './test-harness';

/** A signed-in browser session: the cookie to send back and the CSRF token. */
interface Session {
  cookie: string;
  token: string;
  csrfToken: string;
  response: JsonResponse;
}

describe.each(testDialects())('admin page and sessions on %s', (dialect) => {
  let access: AccessInstance;

  beforeAll(async () => {
    access = await startAccess({ dialect });
  });

  afterAll(async () => {
    await access?.dispose();
  });

  const page = (path: string) => fetch(`${access.baseUrl}${path}`, { redirect: 'manual' });

  const signIn = async (authorization = access.admin): Promise<Session> => {
    const response = await requestJson(access.url('/ui/session'), {
      method: 'POST',
      authorization,
    });
    const setCookie = response.headers.get('set-cookie') ?? '';
    const cookie = setCookie.split(';')[0];
    return {
      cookie,
      token: cookie.split('=')[1] ?? '',
      csrfToken: response.body.csrf_token,
      response,
    };
  };

  const withSession = (
    session: Session,
    path: string,
    init: { method?: string; json?: unknown; csrfToken?: string } = {},
  ) =>
    requestJson(access.url(path), {
      method: init.method,
      json: init.json,
      headers: {
        cookie: session.cookie,
        ...(init.csrfToken === undefined ? {} : { 'x-csrf-token': init.csrfToken }),
      },
    });

  it('serves the page and its assets with a strict policy', async () => {
    const root = await page('/');
    const html = await page('/ui/');
    const script = await page('/ui/page.js');
    const styles = await page('/ui/shared/admin.css');

    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('Pairing Token');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(styles.status).toBe(200);
    expect(styles.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('sets an HttpOnly SameSite=Strict cookie at sign-in', async () => {
    const session = await signIn();
    const setCookie = session.response.headers.get('set-cookie') ?? '';

    expect(session.response.status).toBe(200);
    expect(setCookie).toMatch(/^admin_session_jfac_[0-9a-z]+=[\w-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/access/api/v1');
    expect(setCookie).not.toContain('Secure');
    expect(session.response.body).toEqual({
      username: 'admin',
      csrf_token: expect.stringMatching(/^[\w-]{43}$/),
      expires_at: expect.any(String),
    });
    expect(JSON.stringify(session.response.body)).not.toContain(session.token);
  });

  it('stores only a hash of the session token', async () => {
    const session = await signIn();

    const stored = await access.service.context.dataSource
      .getRepository<AdminSessionRecord>(Entities.adminSession)
      .findOneBy({ id: createHash('sha256').update(session.token).digest('hex') });

    expect(stored?.username).toBe('admin');
    expect(stored?.id).not.toBe(session.token);
  });

  it('rejects a wrong password without a Basic challenge', async () => {
    const session = await signIn(`Basic ${Buffer.from('admin:wrong').toString('base64')}`);

    expectError(session.response, 401, 'UNAUTHORIZED');
    expect(session.response.headers.get('www-authenticate')).toBeNull();
    expect(session.response.headers.get('set-cookie')).toBeNull();
  });

  it('rejects a sign-in without Basic credentials', async () => {
    const response = await requestJson(access.url('/ui/session'), { method: 'POST' });

    expectError(response, 400, 'INVALID_REQUEST');
  });

  it('returns the session to the page with its cookie', async () => {
    const session = await signIn();

    const current = await withSession(session, '/ui/session');
    const anonymous = await requestJson(access.url('/ui/session'), {
      headers: { 'x-csrf-token': '' },
    });

    expect(current.status).toBe(200);
    expect(current.body.csrf_token).toBe(session.csrfToken);
    expectError(anonymous, 401, 'UNAUTHORIZED');
    expect(anonymous.headers.get('www-authenticate')).toBeNull();
  });

  it('authenticates REST reads with the session cookie', async () => {
    const session = await signIn();

    const response = await withSession(session, '/service_trust/pairings');

    expect(response.status).toBe(200);
    expect(response.body.pairings).toEqual(expect.any(Array));
  });

  it('requires the CSRF token on state-changing requests', async () => {
    const session = await signIn();
    const path = '/service_trust/pairing/mission-control';

    const missing = await withSession(session, path, { method: 'POST', json: {} });
    const wrong = await withSession(session, path, {
      method: 'POST',
      json: {},
      csrfToken: `${session.csrfToken.slice(1)}x`,
    });
    const right = await withSession(session, path, {
      method: 'POST',
      json: {},
      csrfToken: session.csrfToken,
    });

    expectError(missing, 403, 'CSRF_TOKEN_INVALID');
    expectError(wrong, 403, 'CSRF_TOKEN_INVALID');
    expect(right.status).toBe(200);
    expect(right.body.token_id).toEqual(expect.any(String));
  });

  it('does not accept the CSRF token of another session', async () => {
    const first = await signIn();
    const second = await signIn();

    const response = await withSession(first, '/tokens', {
      method: 'POST',
      json: {},
      csrfToken: second.csrfToken,
    });

    expectError(response, 403, 'CSRF_TOKEN_INVALID');
  });

  it('keeps Basic authentication for the REST API', async () => {
    const response = await requestJson(access.url('/service_trust/pairing/mission-control'), {
      method: 'POST',
      authorization: access.admin,
    });

    expect(response.status).toBe(200);
  });

  it('ends the session at sign-out', async () => {
    const session = await signIn();

    const withoutCsrf = await withSession(session, '/ui/session', { method: 'DELETE' });
    const signedOut = await withSession(session, '/ui/session', {
      method: 'DELETE',
      csrfToken: session.csrfToken,
    });
    const after = await withSession(session, '/service_trust/pairings');

    expectError(withoutCsrf, 403, 'CSRF_TOKEN_INVALID');
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.get('set-cookie')).toMatch(/=; Path=\/access\/api\/v1; Max-Age=0;/);
    expectError(after, 401, 'UNAUTHORIZED');
  });

  it('ignores a cookie with an unknown session token', async () => {
    const session = await signIn();
    const forged = { ...session, cookie: `${session.cookie.split('=')[0]}=${'A'.repeat(43)}` };

    const response = await withSession(forged, '/service_trust/pairings');

    expectError(response, 401, 'UNAUTHORIZED');
  });

  it('lists pairing tokens with their state', async () => {
    const session = await signIn();
    const unused = await issuePairingToken(access);
    const revoked = await issuePairingToken(access);
    const used = await issuePairingToken(access);
    const expired = await issuePairingToken(access, { expires_in: 30 });
    await withSession(session, `/tokens/${revoked.token_id}`, {
      method: 'DELETE',
      csrfToken: session.csrfToken,
    });
    await exchangeOrThrow(access, used.pairing_token);
    access.clock.advanceSeconds(31);

    const response = await withSession(session, '/ui/pairing_tokens');
    const stateOf = (tokenId: string) =>
      response.body.pairing_tokens.find((token: { token_id: string }) => token.token_id === tokenId)
        ?.state;

    expect(response.status).toBe(200);
    expect(stateOf(unused.token_id)).toBe('unused');
    expect(stateOf(revoked.token_id)).toBe('revoked');
    expect(stateOf(used.token_id)).toBe('used');
    expect(stateOf(expired.token_id)).toBe('expired');
    expect(response.body.pairing_tokens[0]).toEqual({
      token_id: expired.token_id,
      use_case: 'mission-control',
      issued_by: 'admin',
      state: 'expired',
      issued_at: expect.any(String),
      expires_at: expect.any(String),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/eyJ/);
  });

  it('requires an administrator for the pairing token list', async () => {
    const response = await requestJson(access.url('/ui/pairing_tokens'));

    expectError(response, 401, 'UNAUTHORIZED');
    expect(response.headers.get('www-authenticate')).toMatch(/Basic/);
  });

  // Runs last: it moves the service's clock past every session's lifetime.
  it('expires a session eight hours after sign-in', async () => {
    const session = await signIn();
    access.clock.advanceSeconds(8 * 60 * 60 + 1);

    const response = await withSession(session, '/service_trust/pairings');

    expectError(response, 401, 'UNAUTHORIZED');
  });
});
