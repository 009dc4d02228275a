// A private redis-server on a free port, for fault tests: stopped and restarted at will without
// touching the shared Redis on 6379 that other tests and engineers use.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait.js';

/** Why a fault test cannot run here, or null when redis-server is installed. */
export function redisServerMissing(): string | null {
  return spawnSync('redis-server', ['--version']).status === 0 ? null : 'redis-server is not installed';
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Starts redis-server (again, on the same port) and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills redis-server (SIGKILL: an outage, not a clean shutdown) and waits for the exit. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that keeps its connections open but stops answering (a partition). */
  pause(): void;
  resume(): void;
}

/** @param password when given, redis-server requires it (requirepass) and `url` carries it. */
export async function privateRedis(password?: string): Promise<PrivateRedis> {
  const port = await freePort();
  const url = password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${password}@127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const answers = async (): Promise<boolean> => {
    const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 500 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  };
  return {
    url,
    port,
    start: async () => {
      const auth = password === undefined ? [] : ['--requirepass', password];
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth], { stdio: 'ignore' });
      await waitFor(answers, `redis-server on port ${port}`, { timeoutMs: 15_000 });
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop: async () => {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      running.kill('SIGCONT');
      await exited;
    },
  };
}
