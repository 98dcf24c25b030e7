// A light 2026-07-28 client for the main bench: raw node:http like light-clients.ts, no session. Every
// request carries the per-request `_meta` envelope and the standard headers (MCP 2026-07-28, Basic,
// Per-request protocol fields; Streamable HTTP, Request Metadata), as the SDK v2 client sends them.
// What it measures: the proxy's modern face (era classification, the ladder, the seat, shaping) against
// the handshake face's Streamable HTTP session and the direct legacy connection, in one run.
import type http from 'node:http';
import { benchRequest, messagesOf } from './light-clients.js';
import type { Wire } from '../helpers/wire.js';

const MODERN = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench-modern', version: '1' },
};

export class LightModern {
  private nextId = 1;

  constructor(
    private readonly agent: http.Agent,
    private readonly url: URL,
    private readonly timeoutMs: number,
  ) {}

  /** `server/discover`: what the SDK v2 client sends first; it also opens the proxy's seat for this identity. */
  static async open(agent: http.Agent, url: string, timeoutMs: number): Promise<LightModern> {
    const c = new LightModern(agent, new URL(url), timeoutMs);
    const discover = await c.call('server/discover', {});
    if (!discover?.result?.supportedVersions?.includes(MODERN)) throw new Error(`server/discover on ${url}: ${JSON.stringify(discover).slice(0, 300)}`);
    return c;
  }

  /** One request; resolves with its JSON-RPC response, or rejects with the HTTP status and body. */
  async call(method: string, params: Record<string, unknown>): Promise<Wire> {
    const id = this.nextId++;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
    };
    if (typeof params.name === 'string' && (method === 'tools/call' || method === 'prompts/get')) headers['mcp-name'] = params.name;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: META } });
    const a = await benchRequest(this.agent, this.url, 'POST', headers, body, this.timeoutMs);
    if (a.status !== 200) throw new Error(`${method} answered HTTP ${a.status}: ${a.body.slice(0, 300)}`);
    const response = messagesOf(a).find((m) => m?.id === id);
    if (!response) throw new Error(`${method}: no response with id ${id} in ${a.body.slice(0, 300)}`);
    return response;
  }
}
