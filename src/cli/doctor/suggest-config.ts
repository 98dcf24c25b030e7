// Ready-to-paste configuration for the URL clients should use: Claude Code's command line, the JSON
// entries of VS Code (`.vscode/mcp.json`, key `servers`, `"type": "http"`) and Cursor
// (`~/.cursor/mcp.json`, key `mcpServers`), and, when the server needs the proxy, the mcp-frontdoor
// command and the equivalent YAML route. Header values never reach this file: each header the
// server needs is written with the value `[redacted]`, for the user to put theirs back. Pure.
import { REDACTED } from '../../observability/redact-url.js';

export interface FrontdoorSuggestion {
  /** The legacy SSE URL the proxy fronts. */
  backend: string;
  command: string;
  yaml: string;
}

export interface ClientConfig {
  /** The URL to give clients (the proxy's, when it is needed). */
  mcpUrl: string;
  name: string;
  claudeCode: string;
  vscode: { servers: Record<string, { type: 'http'; url: string; headers?: Record<string, string> }> };
  cursor: { mcpServers: Record<string, { url: string; headers?: Record<string, string> }> };
  frontdoor?: FrontdoorSuggestion;
}

const DEFAULT_NAME = 'my-server';
const FRONTDOOR_PORT = 8080;

/** A config key from the server's name: lowercase letters, digits and dashes. */
export function serverNameOf(serverInfoName: string | undefined): string {
  const slug = (serverInfoName ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug === '' ? DEFAULT_NAME : slug;
}

const headerFlags = (names: readonly string[]) => names.map((n) => ` --header ${shellQuote(`${n}: ${REDACTED}`)}`).join('');
const headerObject = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, REDACTED]));

/** `headerNames`: headers clients must send (the server refuses requests without them). */
export function clientConfig(mcpUrl: string, serverInfoName: string | undefined, headerNames: readonly string[] = []): ClientConfig {
  const name = serverNameOf(serverInfoName);
  const headers = headerNames.length > 0 ? { headers: headerObject(headerNames) } : {};
  return {
    mcpUrl,
    name,
    claudeCode: `claude mcp add --transport http ${name} ${shellQuote(mcpUrl)}${headerFlags(headerNames)}`,
    vscode: { servers: { [name]: { type: 'http', url: mcpUrl, ...headers } } },
    cursor: { mcpServers: { [name]: { url: mcpUrl, ...headers } } },
  };
}

/**
 * Client config for the proxy in front of a legacy SSE URL, with the proxy's own command and route.
 * `headerNames`: headers the proxy sends the server (clients then need none).
 */
export function frontdoorConfig(sseUrl: string, serverInfoName: string | undefined, headerNames: readonly string[] = []): ClientConfig {
  // Two listeners cannot share a port: when the server itself is on 8080 locally, move the proxy.
  const backend = new URL(sseUrl);
  const port = backend.port === String(FRONTDOOR_PORT) && ['127.0.0.1', 'localhost', '[::1]'].includes(backend.hostname) ? FRONTDOOR_PORT + 1 : FRONTDOOR_PORT;
  const portFlag = port === FRONTDOOR_PORT ? '' : ` --port ${port}`;
  const yaml = [
    'listen:',
    `  port: ${port}`,
    'routes:',
    '  - path: /                 # MCP endpoint at /mcp',
    '    backend:',
    '      transport: sse',
    `      url: ${yamlString(sseUrl)}`,
    ...(headerNames.length > 0 ? ['      headers:', ...headerNames.map((n) => `        ${yamlString(n)}: ${JSON.stringify(REDACTED)}`)] : []),
    '',
  ].join('\n');
  return {
    ...clientConfig(`http://127.0.0.1:${port}/mcp`, serverInfoName),
    frontdoor: { backend: sseUrl, command: `mcp-frontdoor --backend ${shellQuote(sseUrl)}${headerFlags(headerNames)}${portFlag}`, yaml },
  };
}

/** A YAML scalar: plain for ordinary URLs, double-quoted (JSON is valid YAML) when `&`, `#` and the like appear. */
function yamlString(s: string): string {
  return /^[A-Za-z0-9:/._~?=%+-]+$/.test(s) ? s : JSON.stringify(s);
}

/** Quotes for POSIX shells when needed (`?` globs and `&` backgrounds, both common in URLs). */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_:/.=%@+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
