// A JSON object (not an array, not null): what params, _meta, capabilities and results are when they
// are well formed. Client input is checked with these before it is read as one. Pure.

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` when it is a JSON object, else undefined. */
export function asJsonObject(v: unknown): Record<string, unknown> | undefined {
  return isJsonObject(v) ? v : undefined;
}
