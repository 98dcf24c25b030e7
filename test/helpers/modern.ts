// 2026-07-28 ("modern") traffic in tests: the per-request `_meta` envelope and the standard headers
// for raw POSTs, and the SDK v2 client negotiating the modern era with every HTTP answer recorded.
import { Client, StreamableHTTPClientTransport, type ClientOptions } from '@modelcontextprotocol/client';
import { JSON_AND_SSE } from './http.js';
import type { Wire } from './wire.js';

export const MODERN_VERSION = '2026-07-28';

export interface EnvelopeOptions {
  version?: string;
  capabilities?: Record<string, unknown>;
  clientInfo?: { name: string; version: string };
  logLevel?: string;
}

/** The reserved `_meta` keys of MCP 2026-07-28 (Basic, Per-request protocol fields). */
export function envelope(opts: EnvelopeOptions = {}): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    'io.modelcontextprotocol/protocolVersion': opts.version ?? MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': opts.capabilities ?? {},
    'io.modelcontextprotocol/clientInfo': opts.clientInfo ?? { name: 'raw-modern', version: '1.0.0' },
  };
  if (opts.logLevel !== undefined) meta['io.modelcontextprotocol/logLevel'] = opts.logLevel;
  return meta;
}

/** A modern JSON-RPC request: `params` with the envelope merged into its `_meta`. */
export function modernRequest(id: number | string, method: string, params: Record<string, unknown> = {}, opts: EnvelopeOptions = {}): Record<string, unknown> {
  const { _meta, ...rest } = params as { _meta?: Record<string, unknown> };
  return { jsonrpc: '2.0', id, method, params: { ...rest, _meta: { ...envelope(opts), ..._meta } } };
}

/** MCP-Protocol-Version, Mcp-Method and (when the body has what it mirrors) Mcp-Name. */
export function modernHeaders(body: Record<string, unknown>, version = MODERN_VERSION): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': String(body.method) };
  const params = (body.params ?? {}) as Record<string, unknown>;
  const name = body.method === 'resources/read' ? params.uri : body.method === 'tools/call' || body.method === 'prompts/get' ? params.name : undefined;
  if (typeof name === 'string') headers['mcp-name'] = name;
  return headers;
}

/** POSTs a body with the standard headers; `headers` entries override them (undefined removes one). */
export async function postModern(
  url: string,
  body: unknown,
  headers: Record<string, string | undefined> = {},
  init: { signal?: AbortSignal } = {},
): Promise<Response> {
  const all: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: JSON_AND_SSE,
    ...(Array.isArray(body) ? {} : modernHeaders(body as Record<string, unknown>)),
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return fetch(url, { method: 'POST', headers: sent, body: JSON.stringify(body), signal: init.signal });
}

/** One HTTP exchange the v2 client made: what it sent and what came back. */
export interface Exchange {
  method: string | undefined;
  mcpMethod: string | null;
  protocolVersion: string | null;
  status: number;
  sessionId: string | null;
}

export interface ModernClient {
  client: Client;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/** The SDK v2 client in `auto` negotiation (server/discover first), recording every HTTP exchange. */
export async function connectModern(
  url: string,
  info = { name: 'modern-e2e', version: '1.0.0' },
  options: ClientOptions = {},
  /** Registers request handlers (sampling, elicitation, roots) before the client connects. */
  setup?: (client: Client) => void,
): Promise<ModernClient> {
  const exchanges: Exchange[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    const headers = new Headers(init?.headers);
    exchanges.push({
      method: init?.method,
      mcpMethod: headers.get('mcp-method'),
      protocolVersion: headers.get('mcp-protocol-version'),
      status: res.status,
      sessionId: res.headers.get('mcp-session-id'),
    });
    return res;
  };
  const client = new Client(info, { versionNegotiation: { mode: 'auto' }, ...options });
  setup?.(client);
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: recording });
  await client.connect(transport);
  return { client, exchanges, close: () => client.close() };
}

/** Reads an SSE or JSON answer to the end and returns its JSON-RPC messages. */
export async function modernMessages(res: Response): Promise<Wire[]> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('application/json')) return [JSON.parse(text)];
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => JSON.parse(l.slice(5)));
}
