// The diagnosis as shown: every URL in it (the given one, the nearby paths, redirects, the config to
// paste, quoted server answers) without userinfo or query values. The probes need the real URL, so
// redaction happens here, once, between the diagnosis and its rendering. Pure.
import { redactUrlsInText } from '../../observability/redact-url.js';
import type { Diagnosis } from './diagnose.js';

const MAX_DEPTH = 16;

export function redactDiagnosis(d: Diagnosis): Diagnosis {
  return redactStrings(d, 0) as Diagnosis;
}

function redactStrings(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactUrlsInText(v);
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => redactStrings(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x, depth + 1)]));
}
