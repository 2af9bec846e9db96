// A Prometheus histogram for the hot paths: the same series and samples as prom-client's Histogram, counted
// without its per-observation costs.
import type { Metric, Registry } from 'prom-client';

/** A series' label values by name; a label left undefined is not part of the series. */
export type LabelValues<T extends string> = Partial<Record<T, string | number>>;

export interface LeanHistogramConfig<T extends string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  /** Upper bounds, ascending (+Inf is implied). */
  buckets: readonly number[];
  registers?: readonly Registry[];
}

/** One series: its labels, and the observations per bucket (not cumulative; the last is above every bound). */
interface Series {
  labels: Record<string, string | number>;
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A value of `get()`, as prom-client's registry reads it. */
interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
  /** the series' labels, written after `labels` (prom-client's order: `le` first) */
  sharedLabels?: Record<string, string | number>;
}

/** Series by the value of the label at each depth; a leaf holds the series. */
type Level = Map<string | number | undefined, Level | Series>;

/**
 * A histogram for metrics observed per event or per step. prom-client's `observe` turns the labels into a
 * hash string and each bucket's bound into a property name on every call (its `Histogram` keeps counts by
 * `bucketValues[0.005]`): measured, the five observations of a tracking call (three steps, its wait, the HTTP
 * answer) were ~2 % of the server's busy time. Here a series is found through one Map per label, and its
 * counts are an array indexed by bucket. The registry reads it as it reads prom-client's (`get` and
 * `getForPromString`), so /metrics shows the same samples; a series' labels are written in `labelNames`
 * order (prom-client keeps the order of the first observation's object).
 */
export class LeanHistogram<T extends string = never> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly T[];
  private readonly bounds: readonly number[];
  private series: Level | Series;

  constructor(config: LeanHistogramConfig<T>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames ?? [];
    for (const label of this.labelNames) {
      if (label === 'le') throw new Error('le is a reserved label name of histograms');
    }
    for (let i = 1; i < config.buckets.length; i++) {
      if (!((config.buckets[i] as number) > (config.buckets[i - 1] as number))) {
        throw new Error(`the buckets of ${config.name} must be ascending`);
      }
    }
    this.bounds = [...config.buckets];
    this.series = this.emptyRoot();
    for (const registry of config.registers ?? []) registry.registerMetric(this as unknown as Metric);
  }

  /** Counts one observation (a series with no labels: `observe(value)`). Throws for a value that is not finite. */
  observe(labels: LabelValues<T>, value: number): void;
  observe(value: number): void;
  observe(labelsOrValue: LabelValues<T> | number, maybeValue?: number): void {
    const labels = typeof labelsOrValue === 'number' ? undefined : labelsOrValue;
    const value = typeof labelsOrValue === 'number' ? labelsOrValue : (maybeValue as number);
    if (!Number.isFinite(value))
      throw new TypeError(`${this.name}: the value ${value} is not a finite number`);
    const series = this.seriesOf(labels);
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  /** Forgets every series. */
  reset(): void {
    this.series = this.emptyRoot();
  }

  /** The values with each series' labels in `labels` (`le` first), as prom-client's Histogram gives them. */
  async get() {
    return {
      ...this.exported(),
      values: this.values().map(({ labels, sharedLabels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  /** What the registry writes as text: `le` in `labels`, the series' labels after it. */
  async getForPromString() {
    return { ...this.exported(), values: this.values() };
  }

  private exported() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator };
  }

  /** No series yet: the one series of a histogram without labels, else an empty first level. */
  private emptyRoot(): Level | Series {
    return this.labelNames.length === 0 ? this.emptySeries() : new Map();
  }

  private emptySeries(labels: Record<string, string | number> = {}): Series {
    return { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  private seriesOf(labels: LabelValues<T> | undefined): Series {
    const names = this.labelNames;
    if (names.length === 0) return this.series as Series;
    let level = this.series as Level;
    for (let i = 0; i < names.length; i++) {
      const value = labels?.[names[i] as T];
      const next = level.get(value);
      if (next !== undefined) {
        if (i === names.length - 1) return next as Series;
        level = next as Level;
        continue;
      }
      if (i === names.length - 1) {
        const series = this.emptySeries(this.labelsOf(labels));
        level.set(value, series);
        return series;
      }
      const created: Level = new Map();
      level.set(value, created);
      level = created;
    }
    throw new Error('unreachable: a histogram with labels ends at a series');
  }

  /** The labels in the order of `labelNames`, without the undefined ones. */
  private labelsOf(labels: LabelValues<T> | undefined): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const name of this.labelNames) {
      const value = labels?.[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  private allSeries(): Series[] {
    if (this.labelNames.length === 0) return [this.series as Series];
    const out: Series[] = [];
    const walk = (level: Level, depth: number) => {
      for (const next of level.values()) {
        if (depth === this.labelNames.length - 1) out.push(next as Series);
        else walk(next as Level, depth + 1);
      }
    };
    walk(this.series as Level, 0);
    return out;
  }

  private values(): ExportedValue[] {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.allSeries()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({
          value: cumulative,
          labels: { le },
          metricName: bucketName,
          sharedLabels: series.labels,
        });
      });
      values.push(
        { value: series.count, labels: { le: '+Inf' }, metricName: bucketName, sharedLabels: series.labels },
        { value: series.sum, labels: {}, metricName: `${this.name}_sum`, sharedLabels: series.labels },
        { value: series.count, labels: {}, metricName: `${this.name}_count`, sharedLabels: series.labels },
      );
    }
    return values;
  }
}
