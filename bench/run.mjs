// `npm run bench`: builds both services, bundles the benchmark with esbuild and runs it.
// Arguments are passed on; --skip-build uses the bundles already in dist/apps.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { build as buildBundle } from 'esbuild';

import { build as buildServices, root } from '../scripts/lib/services.mjs';

const args = process.argv.slice(2);
if (!args.includes('--skip-build')) {
  process.stderr.write('Building jpd-access and mission-control…\n');
  buildServices();
}

const outdir = path.join(root, 'dist', 'bench');
await buildBundle({
  entryPoints: {
    main: path.join(root, 'bench', 'src', 'main.ts'),
    'access-with-open-info': path.join(root, 'bench', 'src', 'servers', 'access-with-open-info.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  tsconfig: path.join(root, 'tsconfig.base.json'),
  sourcemap: true,
  logLevel: 'warning',
});

const child = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    path.join(outdir, 'main.js'),
    ...args.filter((arg) => arg !== '--skip-build'),
  ],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
