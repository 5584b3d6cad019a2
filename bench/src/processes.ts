import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { freePort } from '@service-trust/server/testing';

/** A server running in its own process, with its log in a file. */
export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts `node <script>` with `env` plus `PORT`, waits until `readyPath` returns 200 and returns
 * the process. Its standard output and error go to `<logDir>/<name>.log`.
 */
export async function startServer(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  readyPath: string;
  logDir: string;
}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = fs.openSync(logFile, 'a');
  // BENCH_CPU_PROFILE=1 writes a V8 CPU profile of every server into <logDir>/profiles.
  const profile =
    process.env.BENCH_CPU_PROFILE === '1'
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.logDir, 'profiles')}`]
      : [];
  const child = spawn(process.execPath, [...profile, options.script], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      BASE_URL: url,
      ...options.env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `${options.name} exited with code ${child.exitCode}; see its log in ${logFile}.`,
      );
    }
    try {
      if ((await fetch(`${url}${options.readyPath}`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start within 60 s; see its log in ${logFile}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    name: options.name,
    url,
    child,
    logFile,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Returns the resident set size of a process in bytes, read with `ps`. */
export function residentBytes(pid: number): number {
  const output = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kibibytes = Number(output.trim());
  if (!Number.isFinite(kibibytes)) throw new Error(`ps printed no RSS for process ${pid}.`);
  return kibibytes * 1024;
}

/** Clock ticks per second of `/proc/<pid>/stat`; 100 on every Linux build that Node.js supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Returns the CPU time, user plus system, that a process has used so far, in milliseconds, read
 * from `/proc`. Returns undefined where there is no `/proc`, or when the process has exited.
 */
export function cpuMilliseconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in parentheses may hold spaces, so the fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}
