import http from 'node:http';

/** One HTTP request of a load run. */
export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** JSON body, serialized once per request. */
  json?: unknown;
  /** Form body, sent as application/x-www-form-urlencoded. */
  form?: string;
}

/** A response with the latency that the load generator measured. */
export interface LoadResponse {
  status: number;
  body: string;
  /** Milliseconds from writing the request to reading the whole response. */
  latencyMs: number;
}

/** Throughput and latency of one load run. */
export interface LoadResult {
  concurrency: number;
  requests: number;
  /** Responses with another status than expected, and transport errors. */
  errors: number;
  seconds: number;
  /** Requests per second, errors included. */
  throughput: number;
  p50: number;
  p99: number;
}

/** An HTTP client with `concurrency` keep-alive connections to one origin. */
export class LoadClient {
  private readonly agent: http.Agent;
  private readonly target: URL;

  constructor(baseUrl: string, concurrency: number) {
    this.target = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  }

  /** Sends one request and reads the whole response. */
  send(request: LoadRequest): Promise<LoadResponse> {
    const headers: Record<string, string | number> = { ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    } else if (request.form !== undefined) {
      body = request.form;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);

    return new Promise((resolve, reject) => {
      const started = performance.now();
      const outgoing = http.request(
        {
          agent: this.agent,
          hostname: this.target.hostname,
          port: this.target.port,
          method: request.method,
          path: request.path,
          headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              latencyMs: performance.now() - started,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Runs `task` `requests` times on `concurrency` workers, or until `durationMs` passed when that is
 * set. A task returns the latency it measured, or undefined when its request failed.
 */
export async function runTasks(options: {
  concurrency: number;
  requests: number;
  durationMs?: number;
  /**
   * Gives worker `w` the indexes w, w + concurrency, w + 2 * concurrency, …, so that a task can
   * use a resource of its own per worker. Otherwise each worker takes the next free index.
   */
  indexPerWorker?: boolean;
  task: (index: number) => Promise<number | undefined>;
  onProgress?: (done: number) => void;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;

  const worker = async (_: unknown, workerIndex: number) => {
    let own = workerIndex;
    for (;;) {
      const index = options.indexPerWorker ? own : next;
      if (index >= options.requests || performance.now() >= deadline) break;
      if (options.indexPerWorker) own += options.concurrency;
      else next++;

      let latency: number | undefined;
      try {
        latency = await options.task(index);
      } catch {
        latency = undefined;
      }
      if (latency === undefined) errors++;
      else latencies.push(latency);
      const done = latencies.length + errors;
      if (done % 100 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const seconds = (performance.now() - started) / 1000;
  const done = latencies.length + errors;
  return {
    concurrency: options.concurrency,
    requests: done,
    errors,
    seconds,
    throughput: done / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

/**
 * Sends requests from `build` on `concurrency` keep-alive connections and counts every response
 * whose status is not `expectStatus` as an error.
 */
export async function runLoad(options: {
  baseUrl: string;
  concurrency: number;
  requests: number;
  durationMs?: number;
  expectStatus: number;
  build: (index: number) => LoadRequest;
  onProgress?: (done: number) => void;
}): Promise<LoadResult> {
  const client = new LoadClient(options.baseUrl, options.concurrency);
  try {
    return await runTasks({
      ...options,
      task: async (index) => {
        const response = await client.send(options.build(index));
        return response.status === options.expectStatus ? response.latencyMs : undefined;
      },
    });
  } finally {
    client.close();
  }
}

/** Returns the `fraction` percentile of `values` by the nearest-rank method, or NaN when empty. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}
