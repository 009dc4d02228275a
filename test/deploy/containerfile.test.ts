// deploy/Containerfile (docker/podman cannot build here, so its shape is checked) and the
// HEALTHCHECK script it runs, against a real server.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FILE = `${ROOT}deploy/Containerfile`;
const HEALTHCHECK = `${ROOT}deploy/healthcheck.mjs`;

interface Instruction {
  op: string;
  args: string;
}

/** Instructions per stage, with line continuations joined and comments dropped. */
function stages(): Instruction[][] {
  const logical = readFileSync(FILE, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const result: Instruction[][] = [];
  for (const line of logical) {
    const [, op = '', args = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') result.push([]);
    result.at(-1)?.push({ op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return result;
}

describe('deploy/Containerfile', () => {
  const all = stages();
  const final = all.at(-1) ?? [];
  const args = (op: string) => final.filter((i) => i.op === op).map((i) => i.args);

  it('is multi-stage: a build stage with dev tools, then a separate runtime stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) expect(stage[0]?.op).toBe('FROM');
    expect(all[0]?.[0]?.args).toMatch(/ AS \w+$/i);
  });

  it('installs only production dependencies in the final stage and copies no node_modules from the build', () => {
    const runs = args('RUN').join('\n');
    expect(runs).toMatch(/npm ci\b[^\n&]*--omit=dev/);
    expect(runs).not.toMatch(/npm (ci|install)(?![^\n&]*--omit=dev)/);
    for (const copy of args('COPY')) expect(copy).not.toMatch(/node_modules/);
  });

  it('runs as a numeric non-root user', () => {
    const user = args('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).toMatch(/^[0-9]+(:[0-9]+)?$/);
    expect(user?.split(':')[0]).not.toBe('0');
  });

  it('has a HEALTHCHECK running the shipped health script, and runs dist/main.js', () => {
    const check = args('HEALTHCHECK').at(-1);
    expect(check).toMatch(/CMD .*deploy\/healthcheck\.mjs/);
    expect(args('COPY').some((copy) => copy.includes('deploy/healthcheck.mjs'))).toBe(true);
    expect(args('CMD').at(-1)).toMatch(/"dist\/main\.js"\]$/);
  });

  it('sets only SEALBIN_* values the server accepts, listens on all interfaces and exposes that port', () => {
    const env: Record<string, string> = {};
    for (const line of args('ENV')) for (const match of line.matchAll(/(\w+)=(\S+)/g)) env[match[1] as string] = match[2] as string;
    const config = loadConfig(env);
    expect(config.host).toBe('0.0.0.0');
    expect(args('EXPOSE')).toContain(String(config.port));
    expect(args('VOLUME').join(' ')).toContain(config.dataDir);
  });

  it('runs the recommended Node.js line in every stage: the newest that engines lists and CI tests', () => {
    const engines = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;
    const lines = [...engines.matchAll(/\^(\d+)\./g)].map((m) => Number(m[1]));
    const newest = Math.max(...lines);
    const ci = readFileSync(`${ROOT}.ci/run`, 'utf8');
    expect(/CI_RUNTIMES-([\d ]+)\}/.exec(ci)?.[1]?.split(' ').map(Number)).toContain(newest);
    for (const stage of all) expect(stage[0]?.args).toMatch(new RegExp(`^docker\\.io/library/node:${newest}-`));
  });

  it('copies from the build context only files that exist and that the ignore file lets through', () => {
    const ignore = readFileSync(`${FILE}.dockerignore`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    for (const stage of all) {
      for (const copy of stage.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
        const sources = copy.args.split(' ').slice(0, -1);
        for (const source of sources) {
          const path = source.replace(/\/$/, '');
          expect(existsSync(`${ROOT}${path}`), source).toBe(true);
          expect(allowed.some((entry) => path === entry || path.startsWith(`${entry}/`)), `${source} is let through by the ignore file`).toBe(true);
        }
      }
    }
  });
});

describe('deploy/healthcheck.mjs', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const run = (env: Record<string, string>) => spawnSync(process.execPath, [HEALTHCHECK], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 10_000 });

  it('exits 0 when GET /health answers 200', () => {
    const port = new URL(server.url).port;
    const result = run({ SEALBIN_HOST: '0.0.0.0', SEALBIN_PORT: port });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('exits 1 when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const result = run({ SEALBIN_PORT: String(port) });
    expect(result.status).toBe(1);
  });

  it('exits 1 when /health is not 200 (wrong prefix: 404)', () => {
    const result = run({ SEALBIN_PORT: new URL(server.url).port, SEALBIN_URL_PREFIX: '/elsewhere' });
    expect(result.status).toBe(1);
  });
});
