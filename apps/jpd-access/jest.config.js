module.exports = {
  displayName: 'jpd-access',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // Each suite starts real servers and databases, which on a busy two-core machine can take
  // longer than Jest's default of 5 s per test or hook.
  testTimeout: 30_000,
  // Finds a PostgreSQL server once per run, so that suites run on both dialects.
  globalSetup: '../../libs/service-trust/src/testing/global-setup.ts',
  globalTeardown: '../../libs/service-trust/src/testing/global-teardown.ts',
};
