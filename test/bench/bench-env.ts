// The benches' knobs from the environment: a missing or empty variable takes the default; a bad
// value stops the bench before it starts anything.

export function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${v}`);
  return Math.floor(n);
}

export function envList(name: string): number[] | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  return v.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: bad value ${s}`);
    return n;
  });
}
