import type { Logger } from './logger';
import { ConfigError } from './config/env';
import type { RunningService } from './service';

/**
 * Runs a service as the main module of a process: starts it, stops it on SIGTERM or SIGINT, and
 * exits with a message when it cannot start.
 */
export function runMain(name: string, start: () => Promise<RunningService>): void {
  start().then(
    (service) => {
      const stop = (signal: string) => {
        service.context.logger.info({ signal }, 'stopping');
        service.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) console.error(error.message);
      else console.error(`${name} failed to start:`, error);
      process.exit(1);
    },
  );
}

/**
 * Runs `task` every `intervalSeconds`, skipping a run while the previous one is still going, and
 * logs its failures. Returns a function that stops the timer and resolves once a run in progress
 * has finished, so that shutdown can close the database after it.
 */
export function repeatEvery(
  intervalSeconds: number,
  task: () => Promise<unknown>,
  logger: Logger,
  description: string,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .then(
        () => undefined,
        (error: unknown) => logger.error({ err: error }, `${description} failed`),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
