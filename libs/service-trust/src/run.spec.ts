import { createLogger } from './logger';
import { repeatEvery } from './run';

const silent = createLogger({ service: 'test', level: 'silent' });
const waitFor = async (condition: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

describe('repeatEvery', () => {
  it('runs the task until stopped', async () => {
    let runs = 0;
    const stop = repeatEvery(0.01, async () => runs++, silent, 'counting');

    await waitFor(() => runs >= 3);
    stop();
    const stoppedAt = runs;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    expect(runs).toBe(stoppedAt);
  });

  it('skips a run while the previous one is going', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const stop = repeatEvery(
      0.005,
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        runs++;
      },
      silent,
      'slow task',
    );

    await waitFor(() => runs >= 2);
    stop();

    expect(maxRunning).toBe(1);
  });

  it('keeps running after a failure', async () => {
    let runs = 0;
    const stop = repeatEvery(
      0.01,
      async () => {
        runs++;
        throw new Error('task failed');
      },
      silent,
      'failing task',
    );

    await waitFor(() => runs >= 2);
    stop();

    expect(runs).toBeGreaterThanOrEqual(2);
  });
});

describe('repeatEvery stop', () => {
  it('waits for the run in progress', async () => {
    let release: () => void = () => undefined;
    let started = false;
    let finished = false;
    const stop = repeatEvery(
      0.005,
      async () => {
        started = true;
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      },
      silent,
      'held task',
    );
    await waitFor(() => started);

    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    const stoppedBeforeRelease = stopped;
    release();
    await stopping;

    expect(stoppedBeforeRelease).toBe(false);
    expect(finished).toBe(true);
    expect(stopped).toBe(true);
  });
});
