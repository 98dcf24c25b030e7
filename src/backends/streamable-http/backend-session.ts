// The backend's own session (Mcp-Session-Id) and negotiated protocol version. They live only in the
// channel: nothing but JSON-RPC goes up to the client's session, so a backend's session id never
// reaches a client, and logs show only enough of it to tell sessions apart.
import type { Logger } from 'pino';
import type { JsonRpcResponse } from '../../jsonrpc/message.js';
import type { BackendHttpClient, BackendResponse } from '../http-client.js';
import { headerOf } from '../response-head.js';

/** A backend that is down or slow must not hold up the client's DELETE. */
const DELETE_TIMEOUT_MS = 2_000;

/** Enough of the backend's session id to tell sessions apart in debug logs, never the whole secret. */
function shortId(id: string): string {
  return `${id.slice(0, 6)}…`;
}

export class BackendSession {
  private id: string | undefined;
  private version: string | undefined;

  constructor(private readonly log: Logger) {}

  get started(): boolean {
    return this.id !== undefined;
  }

  /** From the answer to `initialize`; a stateless backend sends no id: nothing to carry or DELETE. */
  capture(res: BackendResponse): void {
    const id = headerOf(res, 'mcp-session-id');
    if (!id) return;
    this.id = id;
    this.log.debug({ backendSession: shortId(id) }, 'backend session started');
  }

  /** The InitializeResult's version, sent as MCP-Protocol-Version on every later request. */
  negotiated(response: JsonRpcResponse): void {
    const version = response.result?.protocolVersion;
    if (typeof version === 'string') this.version = version;
  }

  headers(): Record<string, string> {
    return {
      ...(this.id ? { 'mcp-session-id': this.id } : {}),
      ...(this.version ? { 'mcp-protocol-version': this.version } : {}),
    };
  }

  /** DELETE, best effort: 405 (the backend does not allow it) and failures are only logged. */
  async end(http: BackendHttpClient, url: URL, headers: Record<string, string>): Promise<void> {
    const id = this.id;
    if (!id) return;
    try {
      const res = await http.request(url, { method: 'DELETE', headers, timeoutMs: DELETE_TIMEOUT_MS });
      res.body.resume();
      this.log.debug({ backendSession: shortId(id), status: res.status }, 'backend session deleted');
    } catch (e) {
      this.log.debug({ backendSession: shortId(id), reason: 'backend_delete_failed' }, `DELETE failed: ${(e as Error).message}`);
    }
  }
}
