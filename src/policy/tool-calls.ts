// One session's tools/list and tools/call requests in flight: a call of a hidden tool is answered
// here and never reaches the backend; a tools/list answer loses the hidden tools; every tools/call
// ends in one audit entry (principal, tool, outcome, duration; arguments only with
// tools.auditArguments). Entries live from the request to its answer (every request is answered:
// by the backend, on expiry, or when the session closes).
import { ProxyError } from '../errors/proxy-error.js';
import type { JsonRpcId, JsonRpcRequest, JsonRpcResponse } from '../jsonrpc/message.js';
import type { ToolPolicy } from './tool-policy.js';

/** `insufficient_scope`: refused with HTTP 403 before it reached a session (tools.scopes). */
export type ToolCallOutcome = 'ok' | 'tool_error' | 'error' | 'denied' | 'insufficient_scope';

export interface AuditEntry {
  tool: string;
  outcome: ToolCallOutcome;
  durationMs: number;
  /** The JSON-RPC error code of an `error` or `denied` outcome. */
  errorCode?: number;
  errorId?: string;
  arguments?: unknown;
}

type Pending = { kind: 'list' } | { kind: 'call'; tool: string; started: number; arguments?: unknown };

/** Tool names in audit lines are client input: bounded. */
const MAX_TOOL_NAME = 128;

const keyOf = (id: JsonRpcId) => `${typeof id}:${String(id)}`;

function filterList(response: JsonRpcResponse, policy: ToolPolicy): JsonRpcResponse {
  const tools = (response.result as { tools?: unknown } | undefined)?.tools;
  if (!Array.isArray(tools)) return response;
  const visible = tools.filter((t: unknown) => typeof t === 'object' && t !== null && policy.visible((t as { name?: unknown }).name));
  return visible.length === tools.length ? response : { ...response, result: { ...response.result, tools: visible } };
}

export class ToolCalls {
  /** Created with the first request and dropped with the last answer: an idle session holds no map. */
  private pending: Map<string, Pending> | undefined;

  constructor(
    private readonly policy: ToolPolicy,
    private readonly audit: (entry: AuditEntry) => void,
  ) {}

  /** A client request on its way to the backend: the answer to give instead, for a hidden tool. */
  admit(request: JsonRpcRequest): JsonRpcResponse | undefined {
    if (request.method === 'tools/list') {
      if (this.policy.restricts) (this.pending ??= new Map()).set(keyOf(request.id), { kind: 'list' });
      return undefined;
    }
    if (request.method !== 'tools/call') return undefined;
    const name = request.params?.name;
    const tool = String(name).slice(0, MAX_TOOL_NAME);
    if (!this.policy.visible(name)) {
      // The wording of the SDK servers for an unknown tool: a hidden tool does not exist for the client.
      const err = new ProxyError('ERR_TOOL_NOT_ALLOWED', 'tool_not_allowed', `Tool ${tool} not found`);
      const answer = err.toJsonRpc(request.id);
      this.audit({ tool, outcome: 'denied', durationMs: 0, errorCode: answer.error!.code, errorId: err.errorId });
      return answer;
    }
    (this.pending ??= new Map()).set(keyOf(request.id), {
      kind: 'call',
      tool,
      started: performance.now(),
      ...(this.policy.auditArguments ? { arguments: request.params?.arguments } : {}),
    });
    return undefined;
  }

  /** A response on its way to the client: a tools/list answer filtered, a tools/call audited. */
  settle(response: JsonRpcResponse): JsonRpcResponse {
    if (this.pending === undefined || response.id === null) return response;
    const key = keyOf(response.id);
    const entry = this.pending.get(key);
    if (!entry) return response;
    this.pending.delete(key);
    if (this.pending.size === 0) this.pending = undefined;
    if (entry.kind === 'list') return filterList(response, this.policy);
    const error = response.error;
    const isError = (response.result as { isError?: unknown } | undefined)?.isError === true;
    const audited: AuditEntry = {
      tool: entry.tool,
      outcome: error ? 'error' : isError ? 'tool_error' : 'ok',
      durationMs: Math.round((performance.now() - entry.started) * 10) / 10,
    };
    if (error) {
      audited.errorCode = error.code;
      const errorId = (error.data as { errorId?: unknown } | undefined)?.errorId;
      if (typeof errorId === 'string') audited.errorId = errorId;
    }
    if ('arguments' in entry) audited.arguments = entry.arguments;
    this.audit(audited);
    return response;
  }
}
