// The Kubernetes ConfigMap opens /metrics to the private ranges pod networks use. An Ingress
// controller lives in that network too, so the real server must not let the internet scrape through
// it: a relayed request counts as its client's address behind a trusted proxy and is refused behind
// any other. Loopback stands in for the pod network here (the ConfigMap's list includes it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { readYamlDocuments } from './kustomize.js';

const CONFIGMAP = new URL('../../deploy/kubernetes/base/configmap.yaml', import.meta.url).pathname;
const metricsAllow = (readYamlDocuments(CONFIGMAP)[0] as { data: Record<string, string> }).data['SEALBIN_METRICS_ALLOW'] as string;
const SECRET = 'proxy-secret-for-this-test-0123456789';

async function scrape(server: RunningServer, headers: Record<string, string> = {}): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${server.url}/metrics`, { headers });
  if (response.status === 200) {
    expect(await response.text()).toContain('sealbin_items_created_total');
    return { status: 200 };
  }
  return { status: response.status, code: ((await response.json()) as { error_code: string }).error_code };
}

describe('GET /metrics with the Kubernetes SEALBIN_METRICS_ALLOW', () => {
  let direct: RunningServer;
  let proxied: RunningServer;
  beforeAll(async () => {
    expect(metricsAllow).toContain('127.0.0.0/8');
    [direct, proxied] = await Promise.all([
      startServer({ env: { SEALBIN_METRICS_ALLOW: metricsAllow } }),
      startServer({ env: { SEALBIN_METRICS_ALLOW: metricsAllow, SEALBIN_TRUSTED_PROXIES: '127.0.0.1/32', SEALBIN_PROXY_SECRET: SECRET } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([direct?.dispose(), proxied?.dispose()]);
  });

  it('answers a scraper in the allowed network that connects directly', async () => {
    expect(await scrape(direct)).toEqual({ status: 200 });
    expect(await scrape(proxied)).toEqual({ status: 200 });
  });

  it('refuses a request an untrusted proxy in the allowed network relays, whichever header names the client', async () => {
    const relayed: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }, { 'x-forwarded-for': '10.244.1.17' }];
    for (const headers of relayed) {
      expect(await scrape(direct, headers), JSON.stringify(headers)).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
    // A proxy that is configured as trusted but does not know the secret is untrusted.
    expect(await scrape(proxied, { 'x-forwarded-for': '10.244.1.17', 'x-proxy-secret': 'wrong-secret-of-the-right-length' })).toEqual({ status: 403, code: 'FORBIDDEN' });
  });

  it('judges a request a trusted proxy relays by its client: internet refused, pod network allowed', async () => {
    expect(await scrape(proxied, { 'x-forwarded-for': '203.0.113.9', 'x-proxy-secret': SECRET })).toEqual({ status: 403, code: 'FORBIDDEN' });
    // A client cannot smuggle an allowed address in: the trusted proxy appends the real one.
    expect(await scrape(proxied, { 'x-forwarded-for': '10.244.1.17, 203.0.113.9', 'x-proxy-secret': SECRET })).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await scrape(proxied, { 'x-forwarded-for': '10.244.1.17', 'x-proxy-secret': SECRET })).toEqual({ status: 200 });
  });
});
