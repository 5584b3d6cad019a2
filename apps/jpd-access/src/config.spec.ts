import path from 'node:path';

import { ConfigError } from '@service-trust/server';

import { DEFAULT_PORT, loadConfig } from './config';

/** Runs loadConfig and returns the error it throws, failing the test when it throws none. */
function configErrorOf(env: NodeJS.ProcessEnv): Error {
  try {
    loadConfig(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/jpd-access-config' });

    expect(config.PORT).toBe(DEFAULT_PORT);
    expect(config.BASE_URL).toBe(`http://localhost:${DEFAULT_PORT}`);
    expect(config.DATABASE_URL).toBe(
      `sqlite:${path.join('/tmp/jpd-access-config', 'service.sqlite')}`,
    );
    expect(config.SIGNING_ALGORITHM).toBe('ES256');
  });

  it('derives BASE_URL from PORT', () => {
    const config = loadConfig({ PORT: '9123' });

    expect(config.BASE_URL).toBe('http://localhost:9123');
  });

  it('trims a trailing slash from BASE_URL', () => {
    const config = loadConfig({ BASE_URL: 'https://access.example/' });

    expect(config.BASE_URL).toBe('https://access.example');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BASE_URL', 'ftp://x'],
    ['BASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://db/access'],
    ['SIGNING_ALGORITHM', 'HS256'],
    ['LOG_LEVEL', 'loud'],
    ['KEY_ENCRYPTION_KEY', 'c2hvcnQ='],
    ['ALLOW_LINK_LOCAL_PEERS', 'maybe'],
  ])('names %s=%s in the error', (name, value) => {
    const error = configErrorOf({ [name]: value });

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(name);
  });

  it('names every invalid variable', () => {
    const error = configErrorOf({ PORT: 'abc', BASE_URL: 'ftp://x' });

    expect(error.message).toContain('PORT');
    expect(error.message).toContain('BASE_URL');
  });

  it('keeps a short password out of the error', () => {
    const error = configErrorOf({ ADMIN_PASSWORD: 'sh0rtpw' });

    expect(error.message).toContain('ADMIN_PASSWORD');
    expect(error.message).not.toContain('sh0rtpw');
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig({ PORT: '', ADMIN_PASSWORD: '' });

    expect(config.PORT).toBe(DEFAULT_PORT);
    expect(config.ADMIN_PASSWORD).toBeUndefined();
  });
});
