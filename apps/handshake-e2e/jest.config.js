module.exports = {
  displayName: 'handshake-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 60_000,
  // Finds a PostgreSQL server once per run, so that suites run on both dialects.
  globalSetup: '../../libs/service-trust/src/testing/global-setup.ts',
  globalTeardown: '../../libs/service-trust/src/testing/global-teardown.ts',
};
