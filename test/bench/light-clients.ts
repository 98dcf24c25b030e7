// Light MCP clients for benches: raw node:http, no SDK. The SDK clients cost the bench process more
// CPU per call than the proxy does (schema validation, fetch, an AbortSignal per request), which on
// a 2-core machine hides the proxy's own cost; these do the least a client can.
//  - LightStreamable: a Streamable HTTP session (initialize, notifications/initialized, then one POST
//    per request, answers read as JSON or SSE), each request with its own headers (a credential);
//    optionally the standalone GET stream, which the SDK client opens after notifications/initialized.
//  - LightLegacy: a legacy HTTP+SSE session (GET /sse, the endpoint event, POSTs; answers on the stream).
import http from 'node:http';
import type { Wire } from '../helpers/wire.js';

const PROTOCOL_VERSION = '2025-06-18';
const INIT_PARAMS = { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench-light', version: '1' } };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Keep-alive sockets give up before the proxy's 5 s keepAliveTimeout would close them under a request. */
export function benchAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });
}

/** One HTTP request on the agent's keep-alive sockets; the whole answer as text. */
export function benchRequest(
  agent: http.Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON-RPC messages of a POST answer: one JSON body, or the data of an SSE stream's events. */
export function messagesOf(a: Answer): Wire[] {
  if (a.body === '') return [];
  if (String(a.headers['content-type']).startsWith('text/event-stream')) {
    const out: Wire[] = [];
    for (const block of a.body.split(/\r?\n\r?\n/)) {
      const data = block
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data !== '') out.push(JSON.parse(data));
    }
    return out;
  }
  const parsed: Wire = JSON.parse(a.body);
  return Array.isArray(parsed) ? parsed : [parsed];
}

export class LightStreamable {
  private nextId = 1;
  private stream: http.ClientRequest | undefined;

  private constructor(
    private readonly agent: http.Agent,
    private readonly url: URL,
    private readonly sessionId: string,
    private readonly timeoutMs: number,
  ) {}

  /** `getStream`: also open the standalone GET stream, as the SDK client does after notifications/initialized. */
  static async open(agent: http.Agent, url: string, credential: Record<string, string>, timeoutMs: number, getStream = false): Promise<LightStreamable> {
    const u = new URL(url);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...credential };
    const init = await benchRequest(agent, u, 'POST', headers, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: INIT_PARAMS }), timeoutMs);
    const sessionId = init.headers['mcp-session-id'];
    if (init.status !== 200 || typeof sessionId !== 'string') throw new Error(`initialize on ${url} answered ${init.status}: ${init.body.slice(0, 300)}`);
    const s = new LightStreamable(agent, u, sessionId, timeoutMs);
    const ack = await s.post({ jsonrpc: '2.0', method: 'notifications/initialized' }, credential);
    if (ack.status !== 202) throw new Error(`notifications/initialized on ${url} answered ${ack.status}: ${ack.body.slice(0, 300)}`);
    if (getStream) await s.openStream(credential);
    return s;
  }

  /**
   * The standalone GET stream, on its own socket (agent: false) since it stays open for the session's
   * life. Nothing is expected on it here (the echo tool sends no server-initiated messages); what
   * arrives is read and dropped so that the server never sees a stalled reader.
   */
  private openStream(credential: Record<string, string>): Promise<void> {
    const headers = { accept: 'text/event-stream', 'mcp-session-id': this.sessionId, 'mcp-protocol-version': PROTOCOL_VERSION, ...credential };
    const u = this.url;
    const stream = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET', headers, agent: false });
    this.stream = stream;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`GET stream on ${u.href} not answered within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      stream.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      stream.on('response', (res) => {
        clearTimeout(timer);
        res.on('data', () => undefined);
        res.on('error', () => undefined);
        if (res.statusCode === 200) resolve();
        else reject(new Error(`GET stream on ${u.href} answered ${res.statusCode}`));
      });
      stream.end();
    });
  }

  private post(message: object, credential: Record<string, string>): Promise<Answer> {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': this.sessionId,
      'mcp-protocol-version': PROTOCOL_VERSION,
      ...credential,
    };
    return benchRequest(this.agent, this.url, 'POST', headers, JSON.stringify(message), this.timeoutMs);
  }

  /** One request; resolves with its JSON-RPC response, or rejects with the HTTP status and body. */
  async call(method: string, params: object, credential: Record<string, string>): Promise<Wire> {
    const id = this.nextId++;
    const a = await this.post({ jsonrpc: '2.0', id, method, params }, credential);
    if (a.status !== 200) throw new Error(`${method} answered HTTP ${a.status}: ${a.body.slice(0, 300)}`);
    const response = messagesOf(a).find((m) => m?.id === id);
    if (!response) throw new Error(`${method}: no response with id ${id} in ${a.body.slice(0, 300)}`);
    return response;
  }

  async close(credential: Record<string, string>): Promise<void> {
    const headers = { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': PROTOCOL_VERSION, ...credential };
    await benchRequest(this.agent, this.url, 'DELETE', headers, undefined, this.timeoutMs).catch(() => undefined);
    this.stream?.destroy();
  }

  /** Drops the GET stream without a DELETE: for when the server is going away anyway. */
  drop(): void {
    this.stream?.destroy();
  }
}

export class LightLegacy {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, { resolve(m: Wire): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private endpoint: URL | undefined;
  private onEndpoint: (() => void) | undefined;

  private constructor(
    private readonly agent: http.Agent,
    private readonly stream: http.ClientRequest,
    private readonly timeoutMs: number,
  ) {}

  static async open(agent: http.Agent, sseUrl: string, timeoutMs: number): Promise<LightLegacy> {
    const u = new URL(sseUrl);
    // The stream gets its own socket (agent: false): it stays open for the session's life.
    const stream = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { accept: 'text/event-stream' }, agent: false });
    const s = new LightLegacy(agent, stream, timeoutMs);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no endpoint event from ${sseUrl} within ${timeoutMs} ms`)), timeoutMs);
      s.onEndpoint = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    stream.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => s.read(chunk, u));
      res.on('error', () => undefined);
    });
    stream.end();
    await ready;
    await s.call('initialize', INIT_PARAMS);
    await s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return s;
  }

  private read(chunk: string, base: URL): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(5).trimStart();
      }
      if (event === 'endpoint') {
        this.endpoint = new URL(data, base);
        this.onEndpoint?.();
      } else if (event === 'message' && data !== '') {
        const m: Wire = JSON.parse(data);
        const p = typeof m?.id === 'number' ? this.pending.get(m.id) : undefined;
        if (p) {
          this.pending.delete(m.id);
          clearTimeout(p.timer);
          p.resolve(m);
        }
      }
    }
  }

  private async send(message: object): Promise<void> {
    const a = await benchRequest(this.agent, this.endpoint!, 'POST', { 'content-type': 'application/json' }, JSON.stringify(message), this.timeoutMs);
    if (a.status !== 202 && a.status !== 200) throw new Error(`POST ${this.endpoint!.pathname} answered ${a.status}: ${a.body.slice(0, 300)}`);
  }

  /** One request; resolves with its JSON-RPC response from the stream. */
  call(method: string, params: object): Promise<Wire> {
    const id = this.nextId++;
    const answer = new Promise<Wire>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} got no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    this.send({ jsonrpc: '2.0', id, method, params }).catch((e: Error) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (p) clearTimeout(p.timer);
      p?.reject(e);
    });
    return answer;
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.stream.destroy();
  }
}
