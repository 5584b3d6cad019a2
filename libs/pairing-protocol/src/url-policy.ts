import { isIP } from 'node:net';

import type { PairingExtension } from './claims';
import { UrlRejectedError } from './errors';

/** Host names of cloud metadata services, rejected unless an operator allows them. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Addresses of cloud metadata services outside the link-local ranges. */
const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254']);

/** Options of the URL policy. */
export interface UrlPolicyOptions {
  /** Allows link-local and metadata addresses; off by default. */
  allowLinkLocal?: boolean;
}

/**
 * Parses a base URL and returns it normalized: http or https only, no credentials, query or
 * fragment, and no trailing slash.
 *
 * @throws {UrlRejectedError} when the URL is invalid or breaks the rules above.
 * @example
 * normalizeBaseUrl('http://JPD.example:8040/') // 'http://jpd.example:8040'
 */
export function normalizeBaseUrl(value: string, label = 'URL'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UrlRejectedError(`The ${label} is not a valid URL: ${JSON.stringify(value)}.`);
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlRejectedError(`The ${label} must use http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new UrlRejectedError(`The ${label} must not contain credentials.`);
  }
  if (url.search || url.hash) {
    throw new UrlRejectedError(`The ${label} must not have a query or fragment.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Returns true when `address`, an IP literal or a host name, is a link-local or cloud metadata
 * address: 169.254.0.0/16, fe80::/10, their IPv4-mapped forms, and well-known metadata hosts.
 */
export function isLinkLocalOrMetadata(address: string): boolean {
  const host = address
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  if (METADATA_HOSTS.has(host) || METADATA_ADDRESSES.has(host)) return true;

  // An IPv4-mapped address (::ffff:a.b.c.d, which the URL parser writes as ::ffff:hhhh:hhhh)
  // reaches the IPv4 address on a dual-stack host, so it is checked as that IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  const hextets = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  let ipv4 = host;
  if (mapped) ipv4 = mapped[1];
  if (hextets) ipv4 = hextetsToIpv4(hextets[1], hextets[2]);
  if (isIP(ipv4) === 4) return ipv4.startsWith('169.254.') || METADATA_ADDRESSES.has(ipv4);

  return isIP(host) === 6 && /^fe[89ab][0-9a-f]:/.test(host);
}

/** Converts the last two hextets of an IPv4-mapped IPv6 address to a dotted IPv4 address. */
function hextetsToIpv4(high: string, low: string): string {
  const highBits = parseInt(high, 16);
  const lowBits = parseInt(low, 16);
  return [highBits >> 8, highBits & 0xff, lowBits >> 8, lowBits & 0xff].join('.');
}

/** Throws when `url`'s host is a link-local or metadata address and the policy forbids it. */
export function assertAllowedHost(url: string, options: UrlPolicyOptions = {}): void {
  if (options.allowLinkLocal) return;

  const { hostname } = new URL(url);
  if (isLinkLocalOrMetadata(hostname)) {
    throw new UrlRejectedError(
      `The host ${hostname} is a link-local or cloud metadata address, which is rejected.`,
    );
  }
}

/**
 * Checks the URLs of a pairing token against the base URL an administrator entered, which is the
 * root of trust: `base_url` must equal it, `exchange_url` and `pairing_url` must share its
 * origin, and no URL may point at a link-local or metadata address.
 *
 * @throws {UrlRejectedError} naming the URL that broke the policy.
 * @example
 * checkPairingUrls('http://jpd:8040', extension)
 */
export function checkPairingUrls(
  enteredBaseUrl: string,
  extension: PairingExtension,
  options: UrlPolicyOptions = {},
): void {
  const expected = normalizeBaseUrl(enteredBaseUrl, 'JPD URL');
  const actual = normalizeBaseUrl(extension.base_url, "token's base_url");
  if (actual !== expected) {
    throw new UrlRejectedError(
      `The token's base_url ${actual} does not match the URL ${expected}.`,
    );
  }
  assertAllowedHost(expected, options);

  const origin = new URL(expected).origin;
  for (const [label, value] of [
    ['exchange_url', extension.exchange_url],
    ['pairing_url', extension.pairing_url],
  ] as const) {
    if (value === undefined) continue;

    normalizeBaseUrl(value, `token's ${label}`);
    if (new URL(value).origin !== origin) {
      throw new UrlRejectedError(`The token's ${label} is not on the origin ${origin}.`);
    }
  }
}
