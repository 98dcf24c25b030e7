// Figures and tables of the benches' reports. Pure.

/** The p-th percentile (nearest rank) of an ascending list; NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** A number for a table cell: `-` when unknown. */
export function f(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
}

/** Rows of cells as right-aligned columns, a rule under the first row (the header). */
export function formatTable(rows: string[][], indent = ''): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const lines = rows.map((row) => indent + row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  return [lines[0]!, indent + widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1)];
}
