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
  const normalized = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (normalized.length > MAX_URL_LENGTH) {
    throw new UrlRejectedError(`The ${label} is longer than ${MAX_URL_LENGTH} characters.`);
  }
  return normalized;
}

/** Maximum length of a base URL, after normalization. */
export const MAX_URL_LENGTH = 2048;

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
  if (isIP(host) === 4) return isLinkLocalOrMetadataIpv4(host);
  if (isIP(host) !== 6) return false;

  const hextets = expandIpv6(host);
  if ((hextets[0] & 0xffc0) === 0xfe80) return true;

  // An IPv6 address that embeds an IPv4 address can reach it: IPv4-mapped and IPv4-compatible
  // forms on a dual-stack host, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) through a gateway.
  const embedded = embeddedIpv4(hextets);
  return embedded !== undefined && isLinkLocalOrMetadataIpv4(embedded);
}

function isLinkLocalOrMetadataIpv4(ipv4: string): boolean {
  return ipv4.startsWith('169.254.') || METADATA_ADDRESSES.has(ipv4);
}

/** Expands a valid IPv6 address into its eight 16-bit groups. */
function expandIpv6(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }

  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const start = parse(head);
  const end = parse(tail);
  const zeros = tail === undefined ? [] : new Array(8 - start.length - end.length).fill(0);
  return [...start, ...zeros, ...end];
}

/** Returns the IPv4 address that an IPv6 address embeds under a known prefix, if any. */
function embeddedIpv4(hextets: number[]): string | undefined {
  const toIpv4 = (high: number, low: number) =>
    [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  const zero = (from: number, to: number) => hextets.slice(from, to).every((group) => group === 0);

  const mappedOrCompatible = zero(0, 5) && (hextets[5] === 0xffff || hextets[5] === 0);
  const translated = zero(0, 4) && hextets[4] === 0xffff && hextets[5] === 0;
  const nat64 = hextets[0] === 0x64 && hextets[1] === 0xff9b && zero(2, 6);

  if (mappedOrCompatible || translated || nat64) return toIpv4(hextets[6], hextets[7]);
  if (hextets[0] === 0x2002) return toIpv4(hextets[1], hextets[2]);
  return undefined;
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
 * root of trust. The token's `base_url` must equal it, `exchange_url` and `pairing_url` must
 * share its origin, and no URL may point at a link-local or metadata address.
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
