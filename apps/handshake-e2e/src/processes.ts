import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { freePort } from '@service-trust/server/testing';

const root = path.resolve(__dirname, '..', '..', '..');

/** A built service running in its own process. */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the process wrote, for checks on what it logs. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts `main.js` of a bundle (by default `dist/apps/<app>`) in the bundle's folder with `env`,
 * and waits until its ping responds. It listens on `env.PORT` when set, else on a free port.
 */
export async function startBuiltService(
  app: 'jpd-access' | 'mission-control',
  env: Record<string, string>,
  bundleDir = path.join(root, 'dist', 'apps', app),
): Promise<ServiceProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(bundleDir, 'main.js')], {
    cwd: bundleDir,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), BASE_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean)));
  child.stderr
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean)));

  const ping = app === 'jpd-access' ? '/access/api/v1/system/ping' : '/mc/api/v1/system/ping';
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${app} exited with code ${child.exitCode}:\n${output.join('\n')}`);
    try {
      if ((await fetch(`${url}${ping}`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`${app} did not start within 30 s:\n${output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    child,
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
