// One session's requests in flight: a call of a hidden tool is answered here and never reaches the
// backend; a tools/list answer loses the hidden tools; every tools/call ends in one audit entry
// (principal, tool, outcome, duration; arguments only with tools.auditArguments); with an observer,
// every request is timed from here to its answer (the request metrics) and the backend's tools/list
// answers are shown to it. Entries live from the request to its answer (every request is answered:
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

/** Where answered requests are reported (observability/route-metrics.ts: the route's metrics for one face). */
export interface RequestObserver {
  /** A request answered after `seconds`; `tool` for a tools/call. */
  answered(method: string, tool: string | undefined, seconds: number, outcome: ToolCallOutcome): void;
  /** The result of a backend's tools/list answer, before the tool policy filters it. */
  listed(result: unknown): void;
}

type Pending =
  { kind: 'list'; started: number } | { kind: 'call'; tool: string; started: number; arguments?: unknown } | { kind: 'other'; method: string; started: number };

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
    private readonly observer?: RequestObserver,
  ) {}

  /** A client request on its way to the backend: the answer to give instead, for a hidden tool. */
  admit(request: JsonRpcRequest): JsonRpcResponse | undefined {
    const method = request.method;
    if (method === 'tools/list') {
      if (this.policy.restricts || this.observer) (this.pending ??= new Map()).set(keyOf(request.id), { kind: 'list', started: performance.now() });
      return undefined;
    }
    if (method !== 'tools/call') {
      if (this.observer) (this.pending ??= new Map()).set(keyOf(request.id), { kind: 'other', method, started: performance.now() });
      return undefined;
    }
    const name = request.params?.name;
    const tool = String(name).slice(0, MAX_TOOL_NAME);
    if (!this.policy.visible(name)) {
      // The wording of the SDK servers for an unknown tool: a hidden tool does not exist for the client.
      const err = new ProxyError('ERR_TOOL_NOT_ALLOWED', 'tool_not_allowed', `Tool ${tool} not found`);
      const answer = err.toJsonRpc(request.id);
      this.audit({ tool, outcome: 'denied', durationMs: 0, errorCode: answer.error!.code, errorId: err.errorId });
      this.observer?.answered(method, tool, 0, 'denied');
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

  /** The client's `initialize`, answered when `answer` settles (by the face, once the session started). */
  initializing(answer: Promise<JsonRpcResponse>): Promise<JsonRpcResponse> {
    const observer = this.observer;
    if (!observer) return answer;
    const started = performance.now();
    const timed = (outcome: ToolCallOutcome) => observer.answered('initialize', undefined, (performance.now() - started) / 1000, outcome);
    answer.then(
      (r) => timed(r.error ? 'error' : 'ok'),
      () => timed('error'),
    );
    return answer;
  }

  /** A response on its way to the client: a tools/list answer filtered, a tools/call audited. */
  settle(response: JsonRpcResponse): JsonRpcResponse {
    if (this.pending === undefined || response.id === null) return response;
    const key = keyOf(response.id);
    const entry = this.pending.get(key);
    if (!entry) return response;
    this.pending.delete(key);
    if (this.pending.size === 0) this.pending = undefined;
    // One clock reading for the audit and the metrics.
    const elapsedMs = performance.now() - entry.started;
    const error = response.error;
    if (entry.kind !== 'call') {
      const method = entry.kind === 'list' ? 'tools/list' : entry.method;
      if (entry.kind === 'list' && !error) this.observer?.listed(response.result);
      this.observer?.answered(method, undefined, elapsedMs / 1000, error ? 'error' : 'ok');
      return entry.kind === 'list' && this.policy.restricts ? filterList(response, this.policy) : response;
    }
    const isError = (response.result as { isError?: unknown } | undefined)?.isError === true;
    const audited: AuditEntry = {
      tool: entry.tool,
      outcome: error ? 'error' : isError ? 'tool_error' : 'ok',
      durationMs: Math.round(elapsedMs * 10) / 10,
    };
    if (error) {
      audited.errorCode = error.code;
      const errorId = (error.data as { errorId?: unknown } | undefined)?.errorId;
      if (typeof errorId === 'string') audited.errorId = errorId;
    }
    if ('arguments' in entry) audited.arguments = entry.arguments;
    this.audit(audited);
    this.observer?.answered('tools/call', entry.tool, elapsedMs / 1000, audited.outcome);
    return response;
  }
}
