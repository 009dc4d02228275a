// Every supervisor in deploy/ waits a little longer than the server's own drain bound
// (SEALBIN_SHUTDOWN_TIMEOUT) before it kills: shorter, and a drain that is still finishing uploads (or
// closing the database) is killed half-way; much longer, and a stop hangs for nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import type { K8sObject } from './k8s-schema.js';
import { build } from './kustomize.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DEPLOY = join(ROOT, 'deploy');
/** Room for closing the stores after the drain: more than 0, and "a little", not minutes. */
const MARGIN = { minS: 5, maxS: 30 };

/** The drain bound the server would use with these SEALBIN_* settings (the default when unset). */
function drainBound(env: Record<string, string | undefined>): number {
  const value = env['SEALBIN_SHUTDOWN_TIMEOUT'];
  return loadConfig(value === undefined ? {} : { SEALBIN_SHUTDOWN_TIMEOUT: value }).shutdownTimeout;
}

function expectAbove(stopS: number, boundS: number, what: string): void {
  expect(stopS - boundS, `${what}: ${stopS} s against a drain bound of ${boundS} s`).toBeGreaterThanOrEqual(MARGIN.minS);
  expect(stopS - boundS, `${what}: ${stopS} s against a drain bound of ${boundS} s`).toBeLessThanOrEqual(MARGIN.maxS);
}

/** systemd / compose durations: `40`, `40s`, `1min 10s`, `1m30s`. */
function seconds(text: string): number {
  const units: Record<string, number> = { '': 1, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  for (const [, amount, unit] of text.trim().matchAll(/(\d+)\s*([a-z]*)/g)) {
    expect(units, `unit "${unit}" in "${text}"`).toHaveProperty(unit as string);
    total += Number(amount) * (units[unit as string] as number);
  }
  return total;
}

describe('stop timeouts in deploy/ agree with SEALBIN_SHUTDOWN_TIMEOUT', () => {
  const defaultBound = loadConfig({}).shutdownTimeout;

  it('has a default drain bound of 30 s (what the files below are written for)', () => {
    expect(defaultBound).toBe(30);
  });

  it('systemd: TimeoutStopSec is a little above the drain bound', () => {
    const unit = readFileSync(join(DEPLOY, 'sealbin.service'), 'utf8');
    const values = [...unit.matchAll(/^TimeoutStopSec=(.+)$/gm)].map((match) => match[1] as string);
    expect(values, 'TimeoutStopSec is set').not.toEqual([]);
    const env = Object.fromEntries([...unit.matchAll(/^Environment=(SEALBIN_[A-Z_]+)=(.*)$/gm)].map((match) => [match[1] as string, match[2] as string]));
    expectAbove(seconds(values.at(-1) as string), drainBound(env), 'TimeoutStopSec');
  });

  describe.each([['base'], ['overlays/multi-instance']])('Kubernetes %s', (dir) => {
    it('terminationGracePeriodSeconds covers any preStop pause plus the drain bound, a little above', () => {
      const objects = build(join(DEPLOY, 'kubernetes', dir));
      const deployment = objects.find((object) => object.kind === 'Deployment') as K8sObject & { spec: { template: { spec: PodSpec } } };
      const pod = deployment.spec.template.spec;
      const container = pod.containers.find((c) => c.name === 'sealbin') as Container;
      const configMaps = objects.filter((object) => object.kind === 'ConfigMap') as (K8sObject & { data?: Record<string, string> })[];
      const env: Record<string, string | undefined> = Object.assign({}, ...configMaps.map((map) => map.data ?? {}));
      for (const variable of container.env ?? []) if (variable.value !== undefined) env[variable.name] = variable.value;
      // Kubernetes counts the grace period from the start of preStop, and SIGTERM comes after it.
      const preStop = container.lifecycle?.preStop;
      const pauseS = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command.join(' ').match(/\bsleep (\d+)/)?.[1] ?? 0);
      expectAbove(pod.terminationGracePeriodSeconds ?? 30, pauseS + drainBound(env), 'terminationGracePeriodSeconds');
    });
  });

  it('compose files (if any): stop_grace_period of every Sealbin service is a little above the drain bound', () => {
    const files = readdirSync(DEPLOY, { recursive: true, encoding: 'utf8' }).filter((path) => /(^|\/)(docker-)?compose[^/]*\.ya?ml$/.test(path));
    for (const file of files) {
      for (const document of parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'))) {
        const services = ((document.toJS() as { services?: Record<string, ComposeService> } | null)?.services ?? {}) as Record<string, ComposeService>;
        for (const [name, service] of Object.entries(services)) {
          const isSealbin = /sealbin/.test(String(service.image ?? '')) || /Containerfile/.test(JSON.stringify(service.build ?? ''));
          if (!isSealbin) continue;
          expect(service.stop_grace_period, `${file} service ${name} sets stop_grace_period (docker's default is 10 s)`).toBeDefined();
          const env = Array.isArray(service.environment) ? Object.fromEntries(service.environment.map((entry) => entry.split('=', 2) as [string, string])) : (service.environment ?? {});
          expectAbove(seconds(String(service.stop_grace_period)), drainBound(env), `${file} service ${name}`);
        }
      }
    }
  });

  it('the stop commands the Containerfile and docs/operations.md suggest (`stop -t N`) wait a little above the drain bound', () => {
    const texts = [join(DEPLOY, 'Containerfile'), join(ROOT, 'docs/operations.md')].filter((path) => existsSync(path)).map((path) => readFileSync(path, 'utf8'));
    const waits = texts.flatMap((text) => [...text.matchAll(/\bstop -t (\d+)/g)].map((match) => Number(match[1])));
    expect(waits, 'the Containerfile tells how long to wait').not.toEqual([]);
    for (const wait of waits) expectAbove(wait, defaultBound, 'stop -t');
  });
});

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
}
interface ComposeService {
  image?: string;
  build?: unknown;
  stop_grace_period?: string | number;
  environment?: string[] | Record<string, string>;
}
