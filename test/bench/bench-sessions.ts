// The sessions the main bench drives: one `tools/call echo` at a time, direct to the legacy SSE
// backend or through the proxy's /mcp, with one of two clients:
//  - light: raw node:http (light-clients.ts), keep-alive, minimal SSE parsing, no schema validation.
//    It costs the bench process little CPU, so on 2 shared cores the proxy's own cost shows.
//  - sdk: the MCP SDK's Client with SSEClientTransport / StreamableHTTPClientTransport, what real
//    clients run; it spends more CPU per call than the proxy, which compresses every ratio toward 1.
// Both do the same on the wire: the SDK's Streamable HTTP client opens the standalone GET stream after
// notifications/initialized, so the light one does too (the proxy holds it for the session's life).
import type http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Wire } from '../helpers/wire.js';
import { LightLegacy, LightStreamable } from './light-clients.js';
import { LightModern } from './light-modern.js';

/** light and sdk: handshake-era clients; modern: the light client speaking 2026-07-28 to the proxy (direct stays legacy). */
export type ClientKind = 'light' | 'sdk' | 'modern';
export type Path = 'direct' | 'proxy';

export interface EchoResult {
  ok: boolean;
  /** When the backend's echo handler ran (epoch ms, from the result's _meta), if it said. */
  handlerAt: number | undefined;
}

export interface BenchSession {
  echo(text: string): Promise<EchoResult>;
  close(): Promise<void>;
}

function echoResult(result: Wire, text: string): EchoResult {
  const content = result?.content;
  const ok = result?.isError !== true && content?.[0]?.type === 'text' && content[0].text === text;
  const at = result?._meta?.['bench/handlerAt'];
  return { ok, handlerAt: typeof at === 'number' ? at : undefined };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

/** A wrong answer is an error too: a proxy that answered fast with the wrong thing measured nothing. */
function checked(r: EchoResult, text: string, answer: () => string): EchoResult {
  if (!r.ok) throw new Error(`echo ${text}: a wrong answer: ${answer().slice(0, 300)}`);
  return r;
}

async function openLight(agent: http.Agent, path: Path, url: string, timeoutMs: number, modern = false): Promise<BenchSession> {
  const echo = { name: 'echo' };
  if (path === 'proxy' && modern) {
    // A 2024 backend cannot speak 2026-07-28: the direct path of the modern block is the legacy client.
    const c = await LightModern.open(agent, url, timeoutMs);
    return {
      async echo(text) {
        const m = await c.call('tools/call', { ...echo, arguments: { text } });
        return checked(echoResult(m?.result, text), text, () => JSON.stringify(m));
      },
      close: async () => undefined,
    };
  }
  if (path === 'direct') {
    const s = await LightLegacy.open(agent, url, timeoutMs);
    return {
      async echo(text) {
        const m = await s.call('tools/call', { ...echo, arguments: { text } });
        return checked(echoResult(m?.result, text), text, () => JSON.stringify(m));
      },
      close: async () => s.close(),
    };
  }
  const s = await LightStreamable.open(agent, url, {}, timeoutMs, true);
  return {
    async echo(text) {
      const m = await s.call('tools/call', { ...echo, arguments: { text } }, {});
      return checked(echoResult(m?.result, text), text, () => JSON.stringify(m));
    },
    close: () => s.close({}),
  };
}

async function openSdk(path: Path, url: string, timeoutMs: number): Promise<BenchSession> {
  const client = new Client({ name: `bench-${path}`, version: '0.1.0' });
  const transport = path === 'direct' ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url));
  await withTimeout(client.connect(transport), timeoutMs, `${path} connect`);
  return {
    async echo(text) {
      const res = await client.callTool({ name: 'echo', arguments: { text } }, undefined, { timeout: timeoutMs });
      return checked(echoResult(res, text), text, () => JSON.stringify(res));
    },
    async close() {
      if (transport instanceof StreamableHTTPClientTransport) await withTimeout(transport.terminateSession(), 3_000, 'terminateSession').catch(() => undefined);
      await withTimeout(client.close(), 3_000, 'close').catch(() => undefined);
    },
  };
}

/** One session; `agent` carries the light client's keep-alive POSTs (the SDK client uses fetch's own pool). */
export function openSession(kind: ClientKind, agent: http.Agent, path: Path, url: string, timeoutMs: number): Promise<BenchSession> {
  const open = kind === 'sdk' ? openSdk(path, url, timeoutMs) : openLight(agent, path, url, timeoutMs, kind === 'modern');
  return withTimeout(open, timeoutMs, `${path} connect`);
}

/** `n` sessions, opened in batches of 10 so that many simultaneous handshakes are not a load of their own. */
export async function openSessions(
  kind: ClientKind,
  agent: http.Agent,
  path: Path,
  url: string,
  n: number,
  timeoutMs: number,
): Promise<{ sessions: BenchSession[]; errors: string[] }> {
  const sessions: BenchSession[] = [];
  const errors: string[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(10, n - i) }, () => openSession(kind, agent, path, url, timeoutMs)));
    for (const r of batch) {
      if (r.status === 'fulfilled') sessions.push(r.value);
      else errors.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
  }
  return { sessions, errors };
}

export async function closeSessions(sessions: BenchSession[]): Promise<void> {
  await Promise.allSettled(sessions.map((s) => withTimeout(s.close(), 5_000, 'close')));
}
