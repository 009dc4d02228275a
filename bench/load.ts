// One autocannon measurement (after an optional warm-up), with sub-millisecond latency percentiles.
import autocannon from 'autocannon';
import type { Options, Result } from 'autocannon';

export interface LoadSettings {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
}

export interface LoadRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly totalRequests: number;
  /** non-2xx answers, connection errors and timeouts: any of these makes the figure suspect */
  readonly failures: { readonly non2xx: number; readonly errors: number; readonly timeouts: number };
}

interface Run {
  readonly result: Result;
  /** latency of every 2xx answer in ms, sub-millisecond (autocannon's own histogram keeps whole ms) */
  readonly latencies: Float64Array;
}

function run(request: LoadRequest, connections: number, durationSeconds: number): Promise<Run> {
  const options: Options = {
    url: request.url,
    method: request.method,
    connections,
    pipelining: 1,
    duration: durationSeconds,
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
  };
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    const instance = autocannon(options, (error: unknown, result: Result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve({ result, latencies: latencies.subarray(0, count) });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode > 299) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

/** Unmeasured load first: JIT, connection setup, caches. */
export async function warmUp(request: LoadRequest, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds > 0) await run(request, settings.connections, settings.warmupSeconds);
}

export async function measure(request: LoadRequest, settings: LoadSettings): Promise<LoadFigures> {
  const { result, latencies } = await run(request, settings.connections, settings.durationSeconds);
  const sorted = latencies.slice().sort();
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: percentile(sorted, 0.5),
    latencyP99Ms: percentile(sorted, 0.99),
    totalRequests: result.requests.total,
    failures: { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts },
  };
}
