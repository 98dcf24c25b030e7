// Secrets in URLs. Backend URLs carry credentials in two places: userinfo
// (`http://alice:secret@host/sse`) and the query (`/sse?api_key=…`, how n8n and many legacy SSE
// servers take keys). Neither may reach a log line, `print-config`, `doctor` output or an error
// message. Pure.

export const REDACTED = '[redacted]';

/** Scheme, `//` and an optional userinfo ending at the last `@` of the authority. */
const SCHEME_AND_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#]*@)?/i;
/** A URL inside free text: ends at whitespace, quotes, angle brackets or a backslash (a JSON escape). */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`\\]+/gi;

/**
 * The URL with its userinfo and every query and fragment value replaced by `[redacted]`; scheme,
 * host, port, path and query keys kept, spelled as given (no normalization), e.g.
 * `http://[redacted]@127.0.0.1:9/sse?api_key=[redacted]`. A string that is not `scheme://…`
 * comes back unchanged.
 */
export function redactUrl(u: URL | string): string {
  const s = typeof u === 'string' ? u : u.href;
  const head = SCHEME_AND_USERINFO.exec(s);
  if (!head) return s;
  const hasUserinfo = head[0].length > head[1]!.length;
  const rest = s.slice(head[0].length);
  const hash = rest.indexOf('#');
  const beforeHash = hash >= 0 ? rest.slice(0, hash) : rest;
  const q = beforeHash.indexOf('?');
  const authorityAndPath = q >= 0 ? beforeHash.slice(0, q) : beforeHash;
  let out = `${head[1]}${hasUserinfo ? `${REDACTED}@` : ''}${authorityAndPath}`;
  if (q >= 0) out += `?${redactQuery(beforeHash.slice(q + 1))}`;
  // Fragments are never sent, but OAuth implicit flows put tokens there (`#access_token=…`).
  if (hash >= 0) out += rest.length > hash + 1 ? `#${REDACTED}` : '#';
  return out;
}

/**
 * Each `key=value` becomes `key=[redacted]` (an empty value stays empty). A parameter without `=`
 * is redacted whole: some servers take the key itself as the whole query (`/sse?sk-123…`).
 */
function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      // `…` is safeUrl's mark for "a query was here": nothing to hide.
      if (part === '' || part === '…') return part;
      const eq = part.indexOf('=');
      if (eq < 0) return REDACTED;
      return eq === part.length - 1 ? part : `${part.slice(0, eq + 1)}${REDACTED}`;
    })
    .join('&');
}

/** Every `scheme://…` URL in free text (a log line, an error message) through `redactUrl`. */
export function redactUrlsInText(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (m) => redactUrl(m));
}

/** A URL fit for logs: origin and path only (no userinfo, the query reduced to `?…`). */
export function safeUrl(u: URL | string): string {
  try {
    const url = typeof u === 'string' ? new URL(u) : u;
    return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return '[invalid url]';
  }
}
