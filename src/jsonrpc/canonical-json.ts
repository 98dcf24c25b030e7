// One JSON text per value, whatever the order its object keys came in: keys sorted at every level,
// undefined members left out. What a signature or a cache key is computed over (the MRTR params
// digest, a client's capabilities). Pure.
import { isJsonObject } from './json-object.js';

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isJsonObject(v)) {
    // Object.keys and v[k] read a "__proto__" key of parsed JSON as the own data member it is.
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
