import type { PairingExtension } from './claims';
import { UrlRejectedError } from './errors';
import {
  assertAllowedHost,
  checkPairingUrls,
  isLinkLocalOrMetadata,
  MAX_URL_LENGTH,
  normalizeBaseUrl,
} from './url-policy';

/** Returns the error `action` throws, and fails the test when it returns. */
function errorOf(action: () => unknown): UrlRejectedError {
  let thrown: unknown = 'returned';
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UrlRejectedError);
  return thrown as UrlRejectedError;
}

describe('normalizeBaseUrl', () => {
  it.each([
    ['http://127.0.0.1:8040', 'http://127.0.0.1:8040'],
    ['http://127.0.0.1:8040/', 'http://127.0.0.1:8040'],
    ['http://127.0.0.1:8040///', 'http://127.0.0.1:8040'],
    ['http://127.0.0.1:8040/access/', 'http://127.0.0.1:8040/access'],
    ['http://JPD.Example:8040/', 'http://jpd.example:8040'],
    ['HTTPS://jpd.example/Access', 'https://jpd.example/Access'],
    ['http://jpd.example:80/', 'http://jpd.example'],
    ['https://jpd.example:443', 'https://jpd.example'],
    ['https://jpd.example:8443', 'https://jpd.example:8443'],
    ['http://[::1]:8040/', 'http://[::1]:8040'],
    ['http://jpd.example/a/../b', 'http://jpd.example/b'],
    ['http://jpd.example/?', 'http://jpd.example'],
  ])('normalizes %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected);
  });

  it.each([
    ['a user name', 'http://admin@jpd.example'],
    ['a user name and password', 'http://admin:secret@jpd.example'],
    ['a password only', 'http://:secret@jpd.example'],
  ])('rejects %s', (_case, input) => {
    const error = errorOf(() => normalizeBaseUrl(input));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.status).toBe(400);
    expect(error.message).toBe('The URL must not contain credentials.');
  });

  it.each([
    ['a query', 'http://jpd.example/?a=1'],
    ['a fragment', 'http://jpd.example/#top'],
    ['a query and fragment', 'http://jpd.example/access?a=1#top'],
  ])('rejects %s', (_case, input) => {
    const error = errorOf(() => normalizeBaseUrl(input));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe('The URL must not have a query or fragment.');
  });

  it.each([
    ['ftp://jpd.example', 'ftp:'],
    ['file:///etc/passwd', 'file:'],
    ['javascript:alert(1)', 'javascript:'],
    ['ws://jpd.example', 'ws:'],
    ['data:text/plain,hi', 'data:'],
  ])('rejects the scheme of %s', (input, protocol) => {
    const error = errorOf(() => normalizeBaseUrl(input));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe(`The URL must use http or https, not ${protocol}`);
  });

  it('rejects a host and port without a scheme', () => {
    const error = errorOf(() => normalizeBaseUrl('jpd.example:8040'));

    expect(error.message).toBe('The URL must use http or https, not jpd.example:');
  });

  it.each(['', 'not a url', '//jpd.example', 'http://', 'http://jpd example'])(
    'rejects the invalid URL %p',
    (input) => {
      const error = errorOf(() => normalizeBaseUrl(input));

      expect(error.code).toBe('ERR_URL_REJECTED');
      expect(error.message).toBe(`The URL is not a valid URL: ${JSON.stringify(input)}.`);
    },
  );

  it('names the label in its messages', () => {
    const error = errorOf(() => normalizeBaseUrl('ftp://jpd.example', 'JPD URL'));

    expect(error.message).toBe('The JPD URL must use http or https, not ftp:');
  });
});

describe('isLinkLocalOrMetadata', () => {
  it.each([
    '169.254.169.254',
    '169.254.0.1',
    '169.254.255.255',
    'fe80::1',
    'FE80::1',
    '[fe80::1]',
    'fe80::',
    'febf:ffff::1',
    'fea0::1',
    '::ffff:169.254.169.254',
    '[::ffff:169.254.169.254]',
    '::ffff:a9fe:a9fe',
    '[::ffff:a9fe:1]',
    'metadata',
    'metadata.google.internal',
    'METADATA.GOOGLE.INTERNAL',
    'metadata.google.internal.',
    'metadata.goog',
    'instance-data',
    'instance-data.ec2.internal',
    '100.100.100.200',
    'fd00:ec2::254',
    '[fd00:ec2::254]',
    '::ffff:100.100.100.200',
    '::ffff:6464:64c8',
  ])('flags %s', (address) => {
    expect(isLinkLocalOrMetadata(address)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '192.168.1.1',
    '169.253.255.255',
    '169.255.0.1',
    '254.169.0.1',
    '::1',
    'fec0::1',
    'fe7f::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fd:1',
    'localhost',
    'jpd.example',
    'metadata.example.com',
    'my-metadata',
    '100.100.100.201',
  ])('allows %s', (address) => {
    expect(isLinkLocalOrMetadata(address)).toBe(false);
  });
});

describe('assertAllowedHost', () => {
  it('rejects a link-local host', () => {
    const error = errorOf(() => assertAllowedHost('http://169.254.169.254/latest/meta-data'));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe(
      'The host 169.254.169.254 is a link-local or cloud metadata address, which is rejected.',
    );
  });

  it('rejects a link-local host written as an integer', () => {
    expect(() => assertAllowedHost('http://2852039166/')).toThrow(UrlRejectedError);
  });

  it('allows a link-local host when the policy allows it', () => {
    expect(() =>
      assertAllowedHost('http://169.254.169.254/', { allowLinkLocal: true }),
    ).not.toThrow();
  });

  it('allows a loopback host', () => {
    expect(() => assertAllowedHost('http://127.0.0.1:8040/')).not.toThrow();
  });
});

describe('checkPairingUrls', () => {
  const BASE = 'http://127.0.0.1:8040/access';

  function extension(overrides: Partial<PairingExtension> = {}): PairingExtension {
    return {
      base_url: BASE,
      exchange_url: `${BASE}/service_trust/pairing/exchange`,
      pairing_url: `${BASE}/service_trust/pairing`,
      ...overrides,
    };
  }

  /** Builds an extension whose URLs all sit on `origin`. */
  function extensionOn(origin: string): PairingExtension {
    return {
      base_url: origin,
      exchange_url: `${origin}/exchange`,
      pairing_url: `${origin}/pairing`,
    };
  }

  it('accepts a loopback URL', () => {
    expect(() => checkPairingUrls(BASE, extension())).not.toThrow();
  });

  it('accepts a missing pairing_url', () => {
    expect(() => checkPairingUrls(BASE, extension({ pairing_url: undefined }))).not.toThrow();
  });

  it('accepts an entered URL that differs only in form', () => {
    expect(() => checkPairingUrls('HTTP://127.0.0.1:8040/access/', extension())).not.toThrow();
  });

  it('rejects a base_url mismatch', () => {
    const error = errorOf(() =>
      checkPairingUrls(BASE, extension({ base_url: 'http://127.0.0.1:8040/other' })),
    );

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe(
      "The token's base_url http://127.0.0.1:8040/other does not match the URL http://127.0.0.1:8040/access.",
    );
  });

  it('rejects a base_url on another port', () => {
    const error = errorOf(() =>
      checkPairingUrls(BASE, extension({ base_url: 'http://127.0.0.1:8041/access' })),
    );

    expect(error.message).toContain('does not match the URL');
  });

  it('rejects an invalid entered URL', () => {
    const error = errorOf(() => checkPairingUrls('ftp://127.0.0.1', extension()));

    expect(error.message).toBe('The JPD URL must use http or https, not ftp:');
  });

  it('rejects a base_url with credentials', () => {
    const error = errorOf(() =>
      checkPairingUrls(BASE, extension({ base_url: 'http://admin@127.0.0.1:8040/access' })),
    );

    expect(error.message).toBe("The token's base_url must not contain credentials.");
  });

  it.each([
    ['another host', 'http://127.0.0.2:8040/access/exchange'],
    ['another port', 'http://127.0.0.1:8041/access/exchange'],
    ['another scheme', 'https://127.0.0.1:8040/access/exchange'],
  ])('rejects an exchange_url on %s', (_case, exchangeUrl) => {
    const error = errorOf(() => checkPairingUrls(BASE, extension({ exchange_url: exchangeUrl })));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe(
      "The token's exchange_url is not on the origin http://127.0.0.1:8040.",
    );
  });

  it.each([
    ['another host', 'http://127.0.0.2:8040/access/pairing'],
    ['another port', 'http://127.0.0.1:9/access/pairing'],
    ['another scheme', 'https://127.0.0.1:8040/access/pairing'],
  ])('rejects a pairing_url on %s', (_case, pairingUrl) => {
    const error = errorOf(() => checkPairingUrls(BASE, extension({ pairing_url: pairingUrl })));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe(
      "The token's pairing_url is not on the origin http://127.0.0.1:8040.",
    );
  });

  it('accepts an exchange_url outside the base path', () => {
    expect(() =>
      checkPairingUrls(BASE, extension({ exchange_url: 'http://127.0.0.1:8040/exchange' })),
    ).not.toThrow();
  });

  it('accepts an explicit default port', () => {
    const base = 'http://127.0.0.1';

    expect(() =>
      checkPairingUrls(base, {
        ...extensionOn(base),
        exchange_url: 'http://127.0.0.1:80/exchange',
      }),
    ).not.toThrow();
  });

  it('rejects an exchange_url with a query', () => {
    const error = errorOf(() =>
      checkPairingUrls(BASE, extension({ exchange_url: `${BASE}/exchange?next=http://127.0.0.2` })),
    );

    expect(error.message).toBe("The token's exchange_url must not have a query or fragment.");
  });

  it('rejects an exchange_url with credentials', () => {
    const error = errorOf(() =>
      checkPairingUrls(BASE, extension({ exchange_url: 'http://user@127.0.0.1:8040/exchange' })),
    );

    expect(error.message).toBe("The token's exchange_url must not contain credentials.");
  });

  it.each([
    ['link-local IPv4', 'http://169.254.169.254', '169.254.169.254'],
    ['link-local IPv6', 'http://[fe80::1]:8040', '[fe80::1]'],
    ['IPv4-mapped link-local', 'http://[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]'],
    ['a metadata host name', 'http://metadata.google.internal', 'metadata.google.internal'],
    ['a metadata address', 'http://100.100.100.200', '100.100.100.200'],
    ['IPv4-mapped metadata address', 'http://[::ffff:100.100.100.200]', '[::ffff:6464:64c8]'],
  ])('rejects %s by default', (_case, origin, hostname) => {
    const error = errorOf(() => checkPairingUrls(origin, extensionOn(origin)));

    expect(error.code).toBe('ERR_URL_REJECTED');
    expect(error.message).toBe(
      `The host ${hostname} is a link-local or cloud metadata address, which is rejected.`,
    );
  });

  it.each([
    'http://169.254.169.254',
    'http://[fe80::1]:8040',
    'http://[::ffff:169.254.169.254]',
    'http://metadata.google.internal',
  ])('accepts %s with allowLinkLocal', (origin) => {
    expect(() =>
      checkPairingUrls(origin, extensionOn(origin), { allowLinkLocal: true }),
    ).not.toThrow();
  });

  it('checks the base_url match before the host', () => {
    const error = errorOf(() =>
      checkPairingUrls('http://169.254.169.254', extensionOn('http://127.0.0.1:8040')),
    );

    expect(error.message).toContain('does not match the URL');
  });
});

describe('isLinkLocalOrMetadata with embedded IPv4', () => {
  it.each([
    '::a9fe:a9fe',
    '::169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::169.254.0.1',
    '2002:a9fe:a9fe::',
    '2002:a9fe:0101:1::1',
    '::ffff:0:a9fe:a9fe',
    '::ffff:0:169.254.169.254',
    '64:ff9b::6464:64c8',
    '[::a9fe:a9fe]',
  ])('rejects %s', (address) => {
    expect(isLinkLocalOrMetadata(address)).toBe(true);
  });

  it.each([
    '::1',
    '::7f00:1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    '2001:db8::a9fe:a9fe',
    '::ffff:0:7f00:1',
  ])('accepts %s', (address) => {
    expect(isLinkLocalOrMetadata(address)).toBe(false);
  });
});

describe('normalizeBaseUrl length', () => {
  it('rejects a URL longer than the maximum after normalization', () => {
    const long = `http://jpd.example/${'é'.repeat(400)}`;

    expect(() => normalizeBaseUrl(long)).toThrow(UrlRejectedError);
    expect(() => normalizeBaseUrl(long)).toThrow(`longer than ${MAX_URL_LENGTH} characters`);
  });
});
