// deploy/kubernetes: schema-valid (offline), hardened, probed on /health, secrets from the Secret, and
// configured with values the server accepts. The base is the single-instance mode (PVC); the overlay
// the multi-instance mode (PostgreSQL + Redis).
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { TrustedProxies } from '../../src/security/client-ip.js';
import { CONTRACT_NAMES, knownToConfig, TEST_MASTER_KEY } from './config-names.js';
import { schemaErrors, unknownFields } from './k8s-schema.js';
import type { K8sObject } from './k8s-schema.js';
import { build } from './kustomize.js';

const ROOT = new URL('../../deploy/kubernetes/', import.meta.url).pathname;
const BASE = join(ROOT, 'base');
const OVERLAY = join(ROOT, 'overlays/multi-instance');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}
interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: object;
}
interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
}
interface Deployment extends K8sObject {
  spec: { replicas?: number; strategy?: { type?: string }; selector: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } };
}

const one = <T extends K8sObject>(objects: K8sObject[], kind: string): T => {
  const found = objects.filter((object) => object.kind === kind);
  expect(found.map((o) => o.metadata.name), `exactly one ${kind}`).toHaveLength(1);
  return found[0] as T;
};
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/** The container's environment as the server would see it (ConfigMap values, Secret values). */
function environment(objects: K8sObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  const data = (kind: string, name: string) => {
    const object = objects.find((o) => o.kind === kind && o.metadata.name === name) as (K8sObject & { data?: Record<string, string>; stringData?: Record<string, string> }) | undefined;
    return object === undefined ? undefined : { ...object.data, ...object.stringData };
  };
  for (const source of container.envFrom ?? []) {
    const values = source.configMapRef ? data('ConfigMap', source.configMapRef.name) : source.secretRef ? data('Secret', source.secretRef.name) : undefined;
    expect(values, `envFrom ${JSON.stringify(source)} refers to an object in the build`).toBeDefined();
    Object.assign(env, values);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
    if (ref === undefined) continue;
    const values = data(variable.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
    if (ref.optional && values?.[ref.key] === undefined) continue;
    expect(values?.[ref.key], `${variable.name} refers to ${ref.name}/${ref.key}, present in the build`).toBeDefined();
    env[variable.name] = values?.[ref.key] as string;
  }
  return env;
}

describe.each([
  ['base (single instance)', BASE],
  ['overlays/multi-instance', OVERLAY],
])('deploy/kubernetes %s', (_label, dir) => {
  const objects = build(dir);
  const deployment = one<Deployment>(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c) => c.name === 'sealbin') as Container;

  it('has apiVersion, kind and metadata.name on every object, and passes the Kubernetes 1.27 schema without unknown fields', async () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      expect(object.apiVersion, JSON.stringify(object).slice(0, 80)).toMatch(/^([a-z0-9.]+\/)?v[0-9a-z]+$/);
      expect(object.kind).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(object.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(await schemaErrors(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
      expect(unknownFields(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
    }
  });

  it('selects its own pods: Deployment, Service and PodDisruptionBudget selectors match the template labels', () => {
    const labels = deployment.spec.template.metadata?.labels;
    expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
    const service = one<K8sObject & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }>(objects, 'Service');
    expect(matches(service.spec.selector, labels)).toBe(true);
    const portNames = (container.ports ?? []).flatMap((p) => [p.name, p.containerPort]);
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget') as (K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } })[]) {
      expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
    }
  });

  it('runs the container non-root, read-only, without privilege escalation or capabilities', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.capabilities?.drop).toContain('ALL');
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('turns service links off (they would inject SEALBIN_PORT=tcp://… and SEALBIN_SERVICE_HOST, which the server refuses)', () => {
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('probes GET /health on the container port, and leaves time to drain on SIGTERM', () => {
    const probes = [container.livenessProbe, container.readinessProbe, container.startupProbe].filter((p): p is Probe => p !== undefined);
    expect(container.livenessProbe).toBeDefined();
    expect(container.readinessProbe).toBeDefined();
    const portNames = (container.ports ?? []).flatMap((p) => [p.name, p.containerPort]);
    for (const probe of probes) {
      expect(probe.httpGet?.path).toBe('/health');
      expect(portNames).toContain(probe.httpGet?.port);
    }
    expect(pod.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(30);
  });

  it('takes SEALBIN_MASTER_KEY from the Secret', () => {
    const variable = container.env?.find((v) => v.name === 'SEALBIN_MASTER_KEY');
    expect(variable?.value).toBeUndefined();
    expect(variable?.valueFrom?.secretKeyRef?.name).toBe(one(objects, 'Secret').metadata.name);
    expect(variable?.valueFrom?.secretKeyRef?.optional).not.toBe(true);
  });

  it('keeps SEALBIN_DATA_DIR one level inside a mounted volume and listens where the ports say', () => {
    const env = environment(objects, container);
    // The server makes its data dir 0700, which it cannot do to a volume root owned by root.
    expect(container.volumeMounts?.map((m) => m.mountPath)).toContain(dirname(env['SEALBIN_DATA_DIR'] as string));
    expect(container.ports?.map((p) => p.containerPort)).toContain(Number(env['SEALBIN_PORT']));
    expect(env['SEALBIN_HOST']).toBe('0.0.0.0');
  });

  it('lets the annotated scrape through: /metrics allows a scraper in the pod network, never a public address', () => {
    const annotations = deployment.spec.template.metadata?.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(container.ports?.map((p) => p.containerPort)).toContain(Number(annotations['prometheus.io/port']));
    // The server's own parser and allow-list check (names it does not know yet left out).
    const known = Object.entries(environment(objects, container)).filter(([name]) => knownToConfig(name));
    const config = loadConfig({ ...Object.fromEntries(known), SEALBIN_MASTER_KEY: TEST_MASTER_KEY });
    expect(config.port).toBe(Number(annotations['prometheus.io/port']));
    const allowed = new TrustedProxies(config.metricsAllow);
    // Pod addresses of kubeadm/flannel, k3s, Calico, a cloud CGNAT-range pod network, IPv6; kubectl port-forward.
    for (const scraper of ['10.244.1.17', '10.42.0.9', '192.168.33.4', '100.64.2.8', 'fd00:10:244::5', '127.0.0.1']) expect(allowed.has(scraper), scraper).toBe(true);
    for (const outsider of ['203.0.113.9', '8.8.8.8', '172.32.0.1', '2606:4700::1111']) expect(allowed.has(outsider), outsider).toBe(false);
  });

  it('uses only SEALBIN_* names of the contract; names the server does not know yet only in the multi-instance overlay', () => {
    const names = Object.keys(environment(objects, container)).filter((name) => name.startsWith('SEALBIN_'));
    for (const name of names) expect(CONTRACT_NAMES.includes(name) || knownToConfig(name), name).toBe(true);
    const notYet = names.filter((name) => !knownToConfig(name));
    if (dir === BASE) expect(notYet).toEqual([]);
    else for (const name of notYet) expect(['SEALBIN_DATABASE_URL', 'SEALBIN_REDIS_URL']).toContain(name);
  });
});

describe('deploy/kubernetes base: single instance on a PersistentVolumeClaim', () => {
  const objects = build(BASE);
  const deployment = one<Deployment>(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as Container;

  it('runs one replica, replaced (not rolled) so two pods never share the SQLite data dir', () => {
    expect(deployment.spec.replicas ?? 1).toBe(1);
    expect(deployment.spec.strategy?.type).toBe('Recreate');
  });

  it('mounts the claim of the PVC in the build around the data dir', () => {
    const pvc = one(objects, 'PersistentVolumeClaim');
    const volume = pod.volumes?.find((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    expect(volume).toBeDefined();
    const dataDir = environment(objects, container)['SEALBIN_DATA_DIR'] as string;
    expect(container.volumeMounts?.find((m) => m.name === volume?.name)?.mountPath).toBe(dirname(dataDir));
  });

  it('starts with this configuration once the master key is real (loadConfig accepts every value)', () => {
    const env = { ...environment(objects, container), SEALBIN_MASTER_KEY: TEST_MASTER_KEY };
    const config = loadConfig(env);
    expect(config.host).toBe('0.0.0.0');
    expect(config.rateHealth === null || config.rateHealth.limit / config.rateHealth.windowSeconds >= 2).toBe(true);
  });

  it('ships a placeholder master key the server refuses, so an unedited Secret cannot start with a known key', () => {
    const env = environment(objects, container);
    expect(env['SEALBIN_MASTER_KEY']).toMatch(/REPLACE/i);
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/SEALBIN_MASTER_KEY/);
  });
});

describe('deploy/kubernetes overlays/multi-instance (PostgreSQL + Redis)', () => {
  const objects = build(OVERLAY);
  const deployment = one<Deployment>(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as Container;

  it('runs several replicas with rolling updates and a disruption budget', () => {
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    expect(deployment.spec.strategy?.type).toBe('RollingUpdate');
    one(objects, 'PodDisruptionBudget');
  });

  it('takes SEALBIN_DATABASE_URL and SEALBIN_REDIS_URL from the Secret', () => {
    for (const name of ['SEALBIN_DATABASE_URL', 'SEALBIN_REDIS_URL']) {
      const variable = container.env?.find((v) => v.name === name);
      expect(variable?.valueFrom?.secretKeyRef?.name, name).toBe(one(objects, 'Secret').metadata.name);
    }
    const env = environment(objects, container);
    expect(env['SEALBIN_DATABASE_URL']).toMatch(/^postgres(ql)?:\/\//);
    expect(env['SEALBIN_REDIS_URL']).toMatch(/^rediss?:\/\//);
  });

  it('has no PersistentVolumeClaim: the data dir is per-pod scratch space', () => {
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(pod.volumes?.filter((v) => v.persistentVolumeClaim !== undefined)).toEqual([]);
    const dataDir = environment(objects, container)['SEALBIN_DATA_DIR'] as string;
    const mount = container.volumeMounts?.find((m) => m.mountPath === dirname(dataDir));
    expect(pod.volumes?.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
  });

  it('starts with this configuration once the master key is real (loadConfig accepts every value it knows)', () => {
    const env = { ...environment(objects, container), SEALBIN_MASTER_KEY: TEST_MASTER_KEY };
    const known = Object.fromEntries(Object.entries(env).filter(([name]) => knownToConfig(name)));
    expect(loadConfig(known).host).toBe('0.0.0.0');
  });

  it('keeps the master key shared by all replicas in the one Secret', () => {
    expect(container.env?.find((v) => v.name === 'SEALBIN_MASTER_KEY')?.valueFrom?.secretKeyRef?.key).toBe('master-key');
  });
});
