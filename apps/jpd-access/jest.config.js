module.exports = {
  displayName: 'jpd-access',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // Finds a PostgreSQL server once per run, so that suites run on both dialects.
  globalSetup: '../../libs/service-trust/src/testing/global-setup.ts',
  globalTeardown: '../../libs/service-trust/src/testing/global-teardown.ts',
};
