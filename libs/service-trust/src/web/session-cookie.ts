import type { Request, Response } from 'express';

/**
 * Returns the name of the session cookie of a service. Cookies do not tell ports apart, so two
 * services on one host need different names, and the service id makes the name unique. Behind
 * https the `__Secure-` prefix makes browsers reject the cookie over plain http.
 */
export function sessionCookieName(serviceId: string, baseUrl: string): string {
  const suffix = serviceId.replace(/[^A-Za-z0-9]/g, '_');
  return `${isHttps(baseUrl) ? '__Secure-' : ''}admin_session_${suffix}`;
}

/** Returns the value of cookie `name` of a request, or `undefined`. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;

  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    const value = part.slice(separator + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * Sets or clears the session cookie: HttpOnly so scripts cannot read it, SameSite=Strict so
 * other sites cannot send it, limited to the API prefix, and Secure behind https.
 */
export function writeSessionCookie(
  res: Response,
  options: { name: string; value: string; maxAgeSeconds: number; path: string; baseUrl: string },
): void {
  const attributes = [
    `${options.name}=${options.value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (isHttps(options.baseUrl)) attributes.push('Secure');
  res.append('Set-Cookie', attributes.join('; '));
}

function isHttps(baseUrl: string): boolean {
  return baseUrl.startsWith('https:');
}
