import { Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { LeanHistogram } from './lean-histogram.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];
const NAME = 'test_duration_seconds';
const HELP = 'A test histogram.';

/** prom-client's Histogram and a LeanHistogram, each on a registry of its own, with the same settings. */
function pair<T extends string>(labelNames: readonly T[]) {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram<T>({
    name: NAME,
    help: HELP,
    labelNames: [...labelNames],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const lean = new LeanHistogram<T>({
    name: NAME,
    help: HELP,
    labelNames,
    buckets: BUCKETS,
    registers: [ours],
  });
  return { theirs, ours, reference, lean };
}

/**
 * The text's lines with each sample's labels sorted, in sorted order: prom-client writes a series' labels in
 * the order of the first observation's object and the series in the order first seen; LeanHistogram writes
 * labels in `labelNames` order and groups series by label value. Prometheus reads both alike.
 */
function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const match = /^([^{ ]+)\{([^}]*)\} (.+)$/.exec(line);
      if (!match) return line;
      const labels = (match[2] as string).split(',').sort().join(',');
      return `${match[1]}{${labels}} ${match[3]}`;
    })
    .sort();
}

describe('LeanHistogram', () => {
  test('writes the same /metrics samples as prom-client for the same observations', async () => {
    const { theirs, ours, reference, lean } = pair(['route', 'status'] as const);
    // on a bound, between bounds, above the last, zero, and series met in a different order of keys
    const observations: Array<[{ route?: string; status?: string }, number]> = [
      [{ route: 'webhook', status: '2xx' }, 0.001],
      [{ route: 'webhook', status: '2xx' }, 0.0042],
      [{ status: '5xx', route: 'webhook' }, 3],
      [{ route: 'tracking', status: '2xx' }, 0],
      [{ route: 'webhook', status: '2xx' }, 0.5],
      [{ route: 'tracking', status: '4xx' }, 1],
      [{ route: 'api' }, 0.02],
    ];
    for (const [labels, value] of observations) {
      reference.observe(labels, value);
      lean.observe(labels, value);
    }
    const text = await ours.metrics();
    expect(samples(text)).toEqual(samples(await theirs.metrics()));
    // every series in labelNames order, `le` first
    expect(text).toContain(`${NAME}_bucket{le="0.005",route="webhook",status="2xx"} 2`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf",route="webhook",status="5xx"} 1`);
    expect(text).toContain(`${NAME}_count{route="api"} 1`);
    // get() gives the values with the series' labels merged in, as prom-client's does
    const byKey = (values: Array<{ metricName?: string; labels: object; value: number }>) =>
      values
        .map(
          (v) =>
            `${v.metricName} ${
              samples(
                `x{${Object.entries(v.labels)
                  .map(([k, l]) => `${k}="${l}"`)
                  .join(',')}} 0`,
              )[0]
            } ${v.value}`,
        )
        .sort();
    expect(byKey((await lean.get()).values)).toEqual(byKey((await reference.get()).values));
  });

  test('a histogram without labels is observed with a value alone, and shows zeros before any', async () => {
    const { theirs, ours, reference, lean } = pair([] as const);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    for (const value of [1, 2, 5, 0.0001]) {
      reference.observe(value);
      lean.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  test('refuses values that are not finite, bad buckets and the le label; reset forgets the series', async () => {
    const { ours, lean } = pair(['phase'] as const);
    expect(() => lean.observe({ phase: 'wait' }, Number.NaN)).toThrow(TypeError);
    expect(() => lean.observe({ phase: 'wait' }, Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(await ours.metrics()).not.toContain('phase="wait"');
    lean.observe({ phase: 'wait' }, 0.002);
    expect(await ours.metrics()).toContain(`${NAME}_count{phase="wait"} 1`);
    lean.reset();
    expect(await ours.metrics()).not.toContain('phase="wait"');
    expect(() => new LeanHistogram({ name: 'bad_buckets', help: HELP, buckets: [1, 1, 2] })).toThrow(
      /ascending/,
    );
    expect(
      () => new LeanHistogram({ name: 'bad_label', help: HELP, labelNames: ['le'], buckets: [1] }),
    ).toThrow(/reserved/);
  });
});
