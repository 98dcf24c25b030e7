// Request paths that mean something else once normalized: dot segments (`..`, also percent-encoded
// in any case, `%2e%2e`, `.%2E`, and `..;` which Java servers treat as `..`), backslashes (WHATWG
// URL parsers and Node's legacy url.parse, used by http-proxy, read `\` as `/`) and encoded slashes
// or backslashes (`%2f`, `%5c`, which some servers decode before routing). Relayed as they are,
// `/.well-known/oauth-authorization-server/../../_stats` reached a backend's `/_stats`.
//
// Refused at the edge for every request, not only in the OAuth relay: no MCP, legacy SSE, OAuth,
// health or metrics path contains them (route prefixes are plain segments, see the config schema),
// so nothing legitimate is lost, and every later pass, relay and backend sees only plain paths.
// Pure.
import { ProxyError } from '../errors/proxy-error.js';

/** `.` or `..`, each dot plain or `%2e`, optionally followed by `;params`. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}(?:;.*)?$/i;
const ENCODED_SLASH = /%(?:2f|5c)/i;

/** Why `path` (without its query) is refused, or undefined when it is a plain path. */
export function unsafePathReason(path: string): 'path_dot_segment' | 'path_backslash' | 'path_encoded_slash' | undefined {
  if (path.includes('\\')) return 'path_backslash';
  if (ENCODED_SLASH.test(path)) return 'path_encoded_slash';
  for (const segment of path.split('/')) if (DOT_SEGMENT.test(segment)) return 'path_dot_segment';
  return undefined;
}

const WHY: Record<NonNullable<ReturnType<typeof unsafePathReason>> | 'oauth_path_not_relayable', string> = {
  path_dot_segment: 'the request path contains a dot segment (. or .., plain or percent-encoded); no MCP or OAuth path does',
  path_backslash: 'the request path contains a backslash; no MCP or OAuth path does',
  path_encoded_slash: 'the request path contains an encoded slash or backslash (%2f, %5c); no MCP or OAuth path does',
  oauth_path_not_relayable: 'this OAuth path is not relayed to the backend (auth.mode: passthrough relays plain paths only)',
};

/** The 400 for a refused path; the path itself stays out of the client's message (it is logged). */
export function badPathError(reason: keyof typeof WHY): ProxyError {
  return new ProxyError('ERR_BAD_PATH', reason, `Bad Request: ${WHY[reason]}`);
}
