// Counters and gauges, kept in memory and rendered in the Prometheus text format on /metrics.
// Label sets are small and fixed (route, reason), so a Map keyed by the rendered label set is enough.

export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  /** Rendered keys of frozen label sets: hot paths pass constant ones and skip the rendering. */
  private readonly frozenKeys = new WeakMap<Record<string, string>, string>();
  private readonly gauges = new Map<string, () => number>();
  private readonly help = new Map<string, string>();

  describe(name: string, help: string): void {
    this.help.set(name, help);
  }

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    let series = this.counters.get(name);
    if (!series) {
      series = new Map();
      this.counters.set(name, series);
    }
    let key = this.frozenKeys.get(labels);
    if (key === undefined) {
      key = renderLabels(labels);
      if (Object.isFrozen(labels)) this.frozenKeys.set(labels, key);
    }
    series.set(key, (series.get(key) ?? 0) + by);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name)?.get(renderLabels(labels)) ?? 0;
  }

  gauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  render(): string {
    const out: string[] = [];
    for (const [name, series] of this.counters) {
      const help = this.help.get(name);
      if (help) out.push(`# HELP ${name} ${help}`);
      out.push(`# TYPE ${name} counter`);
      for (const [labels, value] of series) out.push(`${name}${labels} ${value}`);
    }
    for (const [name, read] of this.gauges) {
      const help = this.help.get(name);
      if (help) out.push(`# HELP ${name} ${help}`);
      out.push(`# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    return out.join('\n') + '\n';
  }
}

function renderLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return `{${keys.map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
