// The proxy's metrics on prom-client, rendered in the Prometheus text format on /metrics. One Registry
// per app, never prom-client's global one: tests run several apps in one process, and a module-level
// registry would mix their numbers. Call sites use this facade: counters by name and labels, gauges
// read at scrape time, histograms declared once with their buckets.
//
// A counter's label names are those `describe` gave it, else those of its first use; prom-client
// refuses a later use with another label, so a mistake shows in the first test that makes it. Hot
// paths pass frozen label objects (constants made once): each is bound to its prom-client series on
// first use (prom-series.ts), so counting a call renders, hashes and validates no labels.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bindCounter, findRecord, HistogramSeries, type CounterSeries } from './prom-series.js';

export type Labels = Readonly<Record<string, string>>;

const NO_LABELS: Labels = Object.freeze({});

/**
 * `labels` with its keys in order (the same object when they already are). prom-client writes a
 * series' labels in the order of the object that created it; sorted, the exposition reads as it did
 * before prom-client (`{reason="x",route="/"}`), whatever order a call site wrote them in.
 */
export function sortedLabels(labels: Labels): Labels {
  const keys = Object.keys(labels);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (sorted) return labels;
  const out: Record<string, string> = {};
  for (const k of keys.sort()) out[k] = labels[k]!;
  return out;
}

interface CounterSlot {
  metric: Counter;
  /** Frozen label objects → their series. */
  bound: WeakMap<Labels, CounterSeries>;
}

/** A labelled gauge read at scrape time: each source adds its series (same labels add up). */
interface GaugeFamily {
  metric: Gauge;
  sources: Set<GaugeSource>;
}

export type GaugeSource = (add: (labels: Labels, value: number) => void) => void;

export class Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, CounterSlot>();
  private readonly gauges = new Map<string, { read: () => number }>();
  private readonly families = new Map<string, GaugeFamily>();
  private readonly help = new Map<string, string>();
  private readonly labelNames = new Map<string, readonly string[]>();
  /** Run before each rendering (counters settled from elsewhere, e.g. socket byte counts). */
  private readonly collectors = new Set<() => void>();

  /**
   * HELP text. With label names it declares a counter, rendered from now on (its HELP and TYPE, and 0
   * when it has no labels): dashboards find every family, and a counter first incremented after a
   * scrape still shows its whole increase to rate().
   */
  describe(name: string, help: string, labelNames?: readonly string[]): void {
    this.help.set(name, help);
    const existing = this.counters.get(name)?.metric ?? this.families.get(name)?.metric ?? this.registry.getSingleMetric(name);
    // prom-client reads `help` when it renders.
    if (existing) (existing as unknown as { help: string }).help = help;
    else if (labelNames) {
      this.labelNames.set(name, labelNames);
      this.counter(name, NO_LABELS);
    }
  }

  inc(name: string, labels: Labels = NO_LABELS, by = 1): void {
    const slot = this.counters.get(name) ?? this.counter(name, labels);
    if (Object.isFrozen(labels)) {
      let series = slot.bound.get(labels);
      if (series === undefined) {
        series = bindCounter(slot.metric, sortedLabels(labels));
        slot.bound.set(labels, series);
      }
      series.value += by;
    } else slot.metric.inc(sortedLabels(labels), by);
  }

  /** A counter series to add to directly, for code that keeps it (e.g. per route). */
  series(name: string, labels: Labels): CounterSeries {
    return bindCounter((this.counters.get(name) ?? this.counter(name, labels)).metric, sortedLabels(labels));
  }

  /** A counter's current value for exactly these labels (0 when it has none). */
  get(name: string, labels: Labels = NO_LABELS): number {
    const slot = this.counters.get(name);
    return slot ? (findRecord<CounterSeries>(slot.metric, labels)?.value ?? 0) : 0;
  }

  /** An unlabelled gauge, read when /metrics is rendered. A second call for a name replaces its reader. */
  gauge(name: string, read: () => number): void {
    const existing = this.gauges.get(name);
    if (existing) {
      existing.read = read;
      return;
    }
    const slot = { read };
    this.gauges.set(name, slot);
    new Gauge({
      name,
      help: this.helpOf(name),
      registers: [this.registry],
      collect(this: Gauge) {
        this.set(slot.read());
      },
    });
  }

  /** A labelled gauge read when /metrics is rendered, from every source added; returns the source's removal. */
  gaugeSource(name: string, labelNames: readonly string[], source: GaugeSource): () => void {
    let family = this.families.get(name);
    if (!family) {
      const sources = new Set<GaugeSource>();
      const metric = new Gauge({
        name,
        help: this.helpOf(name),
        labelNames,
        registers: [this.registry],
        collect(this: Gauge) {
          this.reset();
          for (const read of sources) read((labels, value) => this.inc(sortedLabels(labels), value));
        },
      });
      family = { metric, sources };
      this.families.set(name, family);
    }
    const sources = family.sources;
    sources.add(source);
    return () => sources.delete(source);
  }

  /** Declares a histogram; the function binds one label set's series (keep it: binding searches). */
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): (labels: Labels) => HistogramSeries {
    this.help.set(name, help);
    const metric = new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
    return (labels) => new HistogramSeries(metric, sortedLabels(labels), buckets);
  }

  /** Runs `collect` before each rendering; returns its removal. */
  onCollect(collect: () => void): () => void {
    this.collectors.add(collect);
    return () => this.collectors.delete(collect);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    for (const collect of this.collectors) collect();
    return this.registry.metrics();
  }

  private counter(name: string, labels: Labels): CounterSlot {
    const metric = new Counter({
      name,
      help: this.helpOf(name),
      labelNames: this.labelNames.get(name) ?? Object.keys(labels),
      registers: [this.registry],
    });
    const slot: CounterSlot = { metric, bound: new WeakMap() };
    this.counters.set(name, slot);
    return slot;
  }

  private helpOf(name: string): string {
    return this.help.get(name) ?? name.replace(/_/g, ' ');
  }
}
