// The head of a request to a backend, rendered once as text: request line, Host, then the caller's
// headers. Validated as node:http validates (RFC 9110 §5.1, §5.5): a name must be a token, a value
// may hold tabs, visible ASCII and obs-text but no control character, so nothing a config or a
// relayed client header contains can start a new header line or request. Pure.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// eslint-disable-next-line no-control-regex -- the ASCII range, control characters included, is the point
const NON_ASCII = /[^\x00-\x7f]/;
/** Framing is the renderer's: a caller's value for these would desynchronise the connection. */
const OWN = new Set(['content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer']);

/**
 * The same headers with lower-case names. Callers merge a route's configured headers (any case) with
 * their own (lower case): without this both `Authorization` and `authorization` would be sent, and
 * servers keep the first (node:http's setHeader merged them case-insensitively, the last winning).
 */
export function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) out[name.toLowerCase()] = headers[name]!;
  return out;
}

/** The Host a request names: a configured `host` header, else the URL's (as node:http did). */
export function hostOf(url: URL, headers: Record<string, string>): string {
  return headers.host ?? url.host;
}

/** A request line and its header lines (each ending in CRLF), without the blank line that ends the head. */
export function renderHead(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, contentLength: number | undefined): string {
  let lines = '';
  for (const name in headers) {
    const value = headers[name]!;
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name.slice(0, 40))}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid character in header ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (lower === 'host' || OWN.has(lower)) continue;
    lines += `${name}: ${value}\r\n`;
  }
  const length = contentLength === undefined ? '' : `Content-Length: ${contentLength}\r\n`;
  return `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${hostOf(url, headers)}\r\nConnection: keep-alive\r\n${length}${lines}`;
}

/**
 * What to write: the head's bytes as latin1 (obs-text in a value is one byte, as node:http sends it)
 * and the body as UTF-8. The usual all-ASCII head is one string.
 */
export function encodeRequest(head: string, body: string): string | Buffer {
  if (!NON_ASCII.test(head)) return head + body;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]);
}
