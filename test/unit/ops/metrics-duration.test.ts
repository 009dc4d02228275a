// The request-duration histogram's series are looked up once per label set (ops/metrics.ts): the
// observations must still land in the right series, one per route, method and status class.
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/ops/metrics.js';

async function counts(metrics: Metrics): Promise<Map<string, number>> {
  const { values } = await metrics.requestDuration.get();
  const out = new Map<string, number>();
  for (const value of values) {
    if (!value.metricName?.endsWith('_count')) continue;
    out.set(`${String(value.labels['method'])} ${String(value.labels['status'])} ${String(value.labels['route'])}`, value.value);
  }
  return out;
}

describe('Metrics.observeRequestDuration', () => {
  it('counts each observation in the series of its own labels', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeRequestDuration('/:id/raw', 'GET', '2xx', 0.001);
    metrics.observeRequestDuration('/:id/raw', 'GET', '2xx', 0.002);
    metrics.observeRequestDuration('/:id/raw', 'GET', '4xx', 0.001);
    metrics.observeRequestDuration('/:id', 'GET', '2xx', 0.001);
    metrics.observeRequestDuration('/:id', 'HEAD', '2xx', 0.001);
    expect(await counts(metrics)).toEqual(
      new Map([
        ['GET 2xx /:id/raw', 2],
        ['GET 4xx /:id/raw', 1],
        ['GET 2xx /:id', 1],
        ['HEAD 2xx /:id', 1],
      ]),
    );
  });

  it('keeps the sum of the observed seconds per series', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeRequestDuration('/', 'POST', '2xx', 0.25);
    metrics.observeRequestDuration('/', 'POST', '2xx', 0.5);
    const { values } = await metrics.requestDuration.get();
    expect(values.find((value) => value.metricName?.endsWith('_sum'))?.value).toBeCloseTo(0.75);
  });
});
