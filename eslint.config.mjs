// ESLint checks one thing here: the boundaries between Nx projects. Prettier owns the format.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const depConstraints = [
  {
    // The protocol library is pure: any service or third party can use it.
    sourceTag: 'type:protocol',
    onlyDependOnLibsWithTags: [],
    bannedExternalImports: [
      'express',
      'typeorm',
      'pg',
      'better-sqlite3',
      'pino',
      'pino-http',
      'testcontainers',
      '@testcontainers/*',
    ],
  },
  {
    sourceTag: 'type:server',
    onlyDependOnLibsWithTags: ['type:protocol'],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:server'],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:server', 'type:app'],
  },
];

/** Builds the boundary rule; `allow` lists imports that the constraints let through. */
const boundaries = (allow) => ({
  '@nx/enforce-module-boundaries': ['error', { allow, depConstraints }],
});

/** Tests start the apps in-process, so test files may import them; app code may not. */
const TEST_FILES = [
  '**/*.spec.ts',
  '**/testing/**/*.ts',
  '**/*harness.ts',
  'apps/handshake-e2e/**/*.ts',
  'bench/**/*.ts',
];

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@nx': nx },
    rules: boundaries([]),
  },
  {
    files: TEST_FILES,
    rules: boundaries(['@service-trust/jpd-access', '@service-trust/mission-control']),
  },
];
