// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line is
// checked (HELP and TYPE comments, sample syntax, label escaping, one TYPE per family before its
// samples), and every histogram's buckets are checked to be cumulative with +Inf equal to _count.
// Throws on the first violation. Pure.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name → its TYPE. */
  types: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** As Go's strconv.ParseFloat reads it (what Prometheus uses): NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string, line: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value ${JSON.stringify(text)} in: ${line}`);
  return Number(text);
}

/** Reads `{a="x",b="y\"z"}` at `text[start]`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`unterminated label set in: ${line}`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name ${JSON.stringify(name)} in: ${line}`);
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape \\${next} in: ${line}`);
      } else if (text[j] === '\n') throw new Error(`raw newline in a label value: ${line}`);
      else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } after a label in: ${line}`);
  }
}

/** The family a sample belongs to: histogram samples end in _bucket, _sum or _count. */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix) && types.get(name.slice(0, -suffix.length)) === 'histogram') return name.slice(0, -suffix.length);
  }
  throw new Error(`sample ${name} has no TYPE line before it`);
}

function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
    for (const s of samples) {
      if (s.name !== `${family}_bucket` && s.name !== `${family}_count` && s.name !== `${family}_sum`) continue;
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      const entry = series.get(key) ?? { buckets: [] };
      series.set(key, entry);
      if (s.name === `${family}_bucket`) {
        if (le === undefined) throw new Error(`${family}_bucket without le`);
        entry.buckets.push([parseValue(le, le), s.value]);
      } else if (s.name === `${family}_count`) entry.count = s.value;
      else if (s.name === `${family}_sum`) entry.sum = s.value;
    }
    for (const [key, e] of series) {
      if (e.count === undefined || e.sum === undefined) throw new Error(`${family}${key}: _count or _sum missing`);
      const last = e.buckets.at(-1);
      if (!last || last[0] !== Infinity || last[1] !== e.count) throw new Error(`${family}${key}: the +Inf bucket must be last and equal _count`);
      for (let i = 1; i < e.buckets.length; i++) {
        if (e.buckets[i]![0] <= e.buckets[i - 1]![0] || e.buckets[i]![1] < e.buckets[i - 1]![1]) throw new Error(`${family}${key}: buckets not cumulative`);
      }
    }
  }
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const sampled = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!m) continue; // other comments are allowed
      if (!NAME.test(m[2]!)) throw new Error(`bad metric name in: ${line}`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3]!)) throw new Error(`unknown type in: ${line}`);
        if (types.has(m[2]!)) throw new Error(`second TYPE for ${m[2]}`);
        if (sampled.has(m[2]!)) throw new Error(`TYPE for ${m[2]} after its samples`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`not a sample: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
    let rest = nameEnd;
    let labels: Record<string, string> = {};
    if (line[nameEnd] === '{') ({ labels, end: rest } = parseLabels(line, nameEnd, line));
    const tail = line.slice(rest).match(/^ (\S+)( -?\d+)?$/);
    if (!tail) throw new Error(`bad sample: ${line}`);
    const family = familyOf(name, types);
    sampled.add(family);
    samples.push({ name, labels, value: parseValue(tail[1]!, line) });
  }
  checkHistograms(samples, types);
  return { samples, types };
}

/** The samples named `name` whose labels include `labels`. */
export function select(e: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample named `name` with exactly these labels (others absent), undefined when there is none. */
export function valueOf(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const keys = Object.keys(labels);
  return e.samples.find((s) => s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]))?.value;
}
