// The mixed-load scenario: 80% reads, 15% durable creates and 5% deletes against one server for a
// long stretch, to show that nothing fails under a realistic mix and that memory does not creep
// (RSS at the end against RSS after the warm-up). Each autocannon connection runs the same cycle of
// 20 requests: 3 creates, 16 reads of seeded items (chosen at random), and 1 delete of the first
// item it created in that cycle, with the delete token its create answer carried.
import autocannon from 'autocannon';
import type { Request, Result } from 'autocannon';
import { processCpuSeconds, readMemoryKiB, startCpuWindow } from './proc.js';
import type { RunningServer } from './servers.js';

export interface MixedSettings {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly cores: number;
}

export interface MixedFigures {
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly totalRequests: number;
  readonly counts: { readonly reads: number; readonly creates: number; readonly deletes: number };
  readonly failures: { readonly non2xx: number; readonly errors: number; readonly timeouts: number };
  readonly serverCpuMicrosPerRequest: number;
  readonly foreignCores: number | null;
  readonly rssKiB: { readonly afterWarmup: number | null; readonly end: number | null; readonly peak: number | null };
  /** end ÷ after warm-up − 1: what the run added (or gave back) */
  readonly rssGrowth: number | null;
}

const SEEDED = 200;

interface CycleContext {
  created?: { id: string; token: string };
}

/** Seeds `SEEDED` items to read; returns their ids. */
async function seed(origin: string, body: Buffer): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < SEEDED; i++) {
    const response = await fetch(`${origin}/`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`seeding the mixed load answered ${response.status}: ${text}`);
    ids.push((JSON.parse(text) as { id: string }).id);
  }
  return ids;
}

function cycle(ids: readonly string[], body: Buffer): Request[] {
  const create = (remember: boolean): Request => ({
    method: 'POST',
    path: '/',
    body,
    headers: { 'content-type': 'text/plain' },
    ...(remember
      ? {
          onResponse: (status: number, text: string, context: object) => {
            if (status !== 201) return;
            const created = JSON.parse(text) as { id: string; delete_token?: string };
            if (created.delete_token !== undefined) (context as CycleContext).created = { id: created.id, token: created.delete_token };
          },
        }
      : {}),
  });
  const read = (): Request => ({
    method: 'GET',
    setupRequest: (request) => ({ ...request, path: `/${ids[Math.floor(Math.random() * ids.length)] ?? ''}/raw` }),
  });
  const remove: Request = {
    method: 'DELETE',
    // No create answered in this cycle: the delete has nothing to aim at, and that create's failure is already counted.
    setupRequest: (request, context) => {
      const created = (context as CycleContext).created;
      return created === undefined ? (undefined as unknown as Request) : { ...request, path: `/${created.id}`, headers: { 'x-delete-token': created.token } };
    },
  };
  const reads = (count: number) => Array.from({ length: count }, read);
  // The first request of a cycle cannot be dynamic (autocannon builds it once): a create.
  return [create(true), ...reads(6), create(false), ...reads(5), create(false), ...reads(5), remove];
}

function run(origin: string, requests: Request[], connections: number, seconds: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url: origin, connections, pipelining: 1, duration: seconds, requests }, (error: unknown, result: Result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
  });
}

function answered(result: Result, status: '200' | '201' | '204'): number {
  return result.statusCodeStats?.[status]?.count ?? 0;
}

export async function mixedLoad(server: RunningServer, body: Buffer, settings: MixedSettings, pids: readonly number[]): Promise<MixedFigures> {
  const ids = await seed(server.origin, body);
  const requests = cycle(ids, body);
  if (settings.warmupSeconds > 0) await run(server.origin, requests, settings.connections, settings.warmupSeconds);
  const afterWarmup = readMemoryKiB(server.pid) ?? null;
  const window = startCpuWindow(pids, settings.cores);
  const cpuStart = processCpuSeconds(server.pid);
  const result = await run(server.origin, requests, settings.connections, settings.durationSeconds);
  const serverCpu = processCpuSeconds(server.pid) - cpuStart;
  const cpu = window.stop();
  const end = readMemoryKiB(server.pid) ?? null;
  const total = result.requests.total;
  return {
    durationSeconds: settings.durationSeconds,
    requestsPerSecond: result.requests.average,
    totalRequests: total,
    // By answer: 200 is a read, 201 a create, 204 a delete (anything else is a failure).
    counts: { reads: answered(result, '200'), creates: answered(result, '201'), deletes: answered(result, '204') },
    failures: { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts },
    serverCpuMicrosPerRequest: (serverCpu * 1e6) / Math.max(1, total),
    foreignCores: cpu?.foreignCores ?? null,
    rssKiB: { afterWarmup: afterWarmup?.rss ?? null, end: end?.rss ?? null, peak: end?.hwm ?? null },
    rssGrowth: afterWarmup === null || end === null ? null : end.rss / afterWarmup.rss - 1,
  };
}
