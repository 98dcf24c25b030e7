// Human units in config files: durations ("500ms", "15s", "10m", "1h") and sizes ("64kb", "4mb").
// Bare numbers are milliseconds and bytes. Normalised once, at load.

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function parseUnit(value: string, table: Record<string, number>): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : table[unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}

export function parseDurationMs(value: string): number | undefined {
  return parseUnit(value, DURATION_MS);
}

export function parseSizeBytes(value: string): number | undefined {
  return parseUnit(value, SIZE_BYTES);
}
