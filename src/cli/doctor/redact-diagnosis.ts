// The diagnosis as shown: every URL in it (the given one, the nearby paths, redirects, the config to
// paste, quoted server answers) without userinfo or query values, and no `--header` value anywhere
// (a server may echo a credential in an error body the doctor quotes). The probes need the real
// values, so redaction happens here, once, between the diagnosis and its rendering. Pure.
import { REDACTED, redactUrlsInText } from '../../observability/redact-url.js';
import type { Diagnosis } from './diagnose.js';

const MAX_DEPTH = 16;
/** Shorter values are not searched for: "1" or "on" would redact unrelated text, and are no secret. */
const MIN_SECRET_CHARS = 4;

export function redactDiagnosis(d: Diagnosis, headerValues: readonly string[] = []): Diagnosis {
  // A Bearer credential is also hidden without its scheme, in case a server quotes only the token.
  const secrets = headerValues
    .flatMap((v) => [v, v.replace(/^\S+\s+/, '')])
    .filter((v) => v.length >= MIN_SECRET_CHARS)
    .sort((a, b) => b.length - a.length);
  return redactStrings(d, 0, secrets) as Diagnosis;
}

function redactStrings(v: unknown, depth: number, secrets: readonly string[]): unknown {
  if (typeof v === 'string') return secrets.reduce((s, secret) => s.split(secret).join(REDACTED), redactUrlsInText(v));
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => redactStrings(x, depth + 1, secrets));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x, depth + 1, secrets)]));
}
