import { ConfigError } from '@service-trust/server';

import { startMissionControl } from './index';

async function main(): Promise<void> {
  const service = await startMissionControl();

  const stop = (signal: string) => {
    service.context.logger.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('mission-control failed to start:', error);
  process.exit(1);
});
