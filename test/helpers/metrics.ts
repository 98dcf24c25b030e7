// Reading the proxy's /metrics (Prometheus text) in tests: one series' value, and polling a series
// until it satisfies a predicate, with a deadline.

export async function readMetrics(origin: string): Promise<string> {
  const res = await fetch(`${origin}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of `name{labels}` in a Prometheus text exposition, undefined when absent. Pure. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const pair of (m[2] ?? '').slice(1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[pair[1]!] = pair[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** `frontdoor_limit_hits_total{limit=key}`, 0 when the series does not exist yet. */
export async function limitHits(origin: string, key: string): Promise<number> {
  return metricValue(await readMetrics(origin), 'frontdoor_limit_hits_total', { limit: key }) ?? 0;
}

/** Polls a series until `ok(value)`; returns the last value seen. Throws after timeoutMs. */
export async function waitForMetric(
  origin: string,
  name: string,
  labels: Record<string, string>,
  ok: (v: number | undefined) => boolean,
  timeoutMs = 15_000,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    last = metricValue(await readMetrics(origin), name, labels);
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${name}${JSON.stringify(labels)}; last value ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the limit counter for `key` has grown above `before`. */
export function waitForLimitHit(origin: string, key: string, before = 0, timeoutMs = 15_000): Promise<number | undefined> {
  return waitForMetric(origin, 'frontdoor_limit_hits_total', { limit: key }, (v) => (v ?? 0) > before, timeoutMs);
}
