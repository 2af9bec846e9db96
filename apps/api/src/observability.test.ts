// deploy/: the Prometheus configuration, its alert rules and the Grafana dashboard stay true to what the
// processes export — promtool (Prometheus's own checker, from Debian's prometheus package) accepts the
// configuration and the rules, and every metric the rules and the dashboard read is in /metrics of a running
// app.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { scrapeMetrics, startTestApp, type TestApp } from './test-app.js';

const run = promisify(execFile);
const deploy = (path: string) => fileURLToPath(new URL(`../../../deploy/${path}`, import.meta.url));

/** promtool's verdict on a file; a missing promtool is a failure that says how to get it. */
async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: string | number; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('promtool is missing: apt-get install prometheus (.ci/run does)');
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The metric names a text reads (Tributary's own, by their prefix). */
const metricNames = (text: string) => [
  ...new Set([...text.matchAll(/\btributary_[a-z0-9_]+\b/g)].map((m) => m[0])),
];

const dashboardExpressions = (): string[] => {
  const dashboard = JSON.parse(readFileSync(deploy('grafana/dashboards/tributary.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
};

let api: TestApp;
let exported: Set<string>;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'), {}, { defaultMetrics: true });
  const text = await (await api.app.request('/metrics')).text();
  // every family, histograms with their series suffixes
  exported = new Set(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name as string],
    ),
  );
});

afterAll(async () => {
  await api?.close();
});

describe('Prometheus', () => {
  test('promtool accepts the configuration and its rules, and refuses a broken rule', async () => {
    const config = await promtool('check', 'config', deploy('prometheus/prometheus.yml'));
    expect(config.output).toContain('SUCCESS');
    expect(config.ok).toBe(true);
    const rules = await promtool('check', 'rules', deploy('prometheus/alerts.yml'));
    expect(rules.output).toMatch(/SUCCESS: \d+ rules found/);

    const dir = mkdtempSync(join(os.tmpdir(), 'tributary-rules-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(
        broken,
        'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(tributary_runs_started_total[5m])\n',
      );
      expect((await promtool('check', 'rules', broken)).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every metric the alert rules and the dashboard read is exported', () => {
    const named = metricNames(
      [readFileSync(deploy('prometheus/alerts.yml'), 'utf8'), ...dashboardExpressions()].join('\n'),
    );
    expect(named.length).toBeGreaterThan(12);
    expect(named.filter((name) => !exported.has(name))).toEqual([]);
    // and the check sees a metric that is not there
    expect(exported.has('tributary_no_such_metric_total')).toBe(false);
  });

  test('garbage-collection pauses are told apart below 10 ms', async () => {
    // young collections come while this allocates; prom-client hears of each a moment after it
    const text = await waitFor(
      async () => {
        let garbage: Array<{ i: number }> = [];
        for (let i = 0; i < 300_000; i++) garbage.push({ i });
        garbage = [];
        const scraped = await scrapeMetrics(api.app);
        return (
          scraped.value('tributary_nodejs_gc_duration_seconds_count', { kind: 'minor' }) > 0 && scraped.text
        );
      },
      { what: 'a young collection in the metrics' },
    );
    // 0.5, 1, 2 and 5 ms below 10 (prom-client's own buckets go from 1 ms straight to 10)
    const bounds = [
      ...text.matchAll(/^tributary_nodejs_gc_duration_seconds_bucket\{le="([^"]+)",kind="minor"\}/gm),
    ].map((m) => m[1]);
    expect(bounds).toEqual([
      '0.0005',
      '0.001',
      '0.002',
      '0.005',
      '0.01',
      '0.02',
      '0.05',
      '0.1',
      '0.5',
      '1',
      '+Inf',
    ]);
  });
});

describe('Grafana', () => {
  test('the dashboard reads the provisioned data source and covers the operators’ questions', () => {
    const dashboard = JSON.parse(readFileSync(deploy('grafana/dashboards/tributary.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; datasource: { uid: string } }>;
    };
    expect(dashboard.uid).toBe('tributary');
    expect(new Set(dashboard.panels.map((p) => p.datasource.uid))).toEqual(new Set(['prometheus']));
    const datasource = readFileSync(deploy('grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    expect(datasource).toMatch(/uid: prometheus/);
    for (const metric of [
      'tributary_events_ingested_total',
      'tributary_runs_finished_total',
      'tributary_step_duration_seconds_bucket',
      'tributary_step_retries_total',
      'tributary_dead_letters_total',
      'tributary_queue_depth',
      'tributary_queue_oldest_seconds',
      'tributary_sweeper_reenqueued_total',
      'tributary_runs_waiting_turn',
      'tributary_http_request_duration_seconds_bucket',
    ]) {
      expect(dashboardExpressions().some((expr) => expr.includes(metric))).toBe(true);
    }
  });
});
