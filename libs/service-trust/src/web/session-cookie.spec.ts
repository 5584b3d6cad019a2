import type { Request, Response } from 'express';

import { readCookie, sessionCookieName, writeSessionCookie } from './session-cookie';

/** Collects the Set-Cookie values that `writeSessionCookie` appends. */
function fakeResponse(): { res: Response; cookies: string[] } {
  const cookies: string[] = [];
  const res = {
    append(name: string, value: string) {
      if (name === 'Set-Cookie') cookies.push(value);
      return res;
    },
  } as unknown as Response;
  return { res, cookies };
}

const requestWithCookie = (cookie?: string) => ({ headers: { cookie } }) as unknown as Request;

describe('session cookie', () => {
  it('names the cookie after the service id', () => {
    expect(sessionCookieName('jfac@01ABC', 'http://127.0.0.1:8040')).toBe(
      'admin_session_jfac_01ABC',
    );
  });

  it('adds the __Secure- prefix behind https', () => {
    expect(sessionCookieName('jfmc@01ABC', 'https://mc.example.com')).toBe(
      '__Secure-admin_session_jfmc_01ABC',
    );
  });

  it('marks the cookie Secure behind https', () => {
    const { res, cookies } = fakeResponse();

    writeSessionCookie(res, {
      name: 'session',
      value: 'abc',
      maxAgeSeconds: 60,
      path: '/mc/api/v1',
      baseUrl: 'https://mc.example.com',
    });

    expect(cookies).toEqual([
      'session=abc; Path=/mc/api/v1; Max-Age=60; HttpOnly; SameSite=Strict; Secure',
    ]);
  });

  it('leaves Secure off over http', () => {
    const { res, cookies } = fakeResponse();

    writeSessionCookie(res, {
      name: 'session',
      value: 'abc',
      maxAgeSeconds: 60,
      path: '/mc/api/v1',
      baseUrl: 'http://127.0.0.1:8080',
    });

    expect(cookies[0]).not.toContain('Secure');
    expect(cookies[0]).toContain('HttpOnly; SameSite=Strict');
  });

  it('reads the named cookie among others', () => {
    const req = requestWithCookie('other=1; session=abc_DEF-123; third=3');

    expect(readCookie(req, 'session')).toBe('abc_DEF-123');
    expect(readCookie(req, 'missing')).toBeUndefined();
    expect(readCookie(requestWithCookie(undefined), 'session')).toBeUndefined();
  });

  it('ignores a value outside the token alphabet', () => {
    expect(readCookie(requestWithCookie('session=a%20b'), 'session')).toBeUndefined();
    expect(readCookie(requestWithCookie(`session=${'a'.repeat(129)}`), 'session')).toBeUndefined();
  });
});
