// Names and values of the proxy's span attributes. MCP and GenAI names follow the OpenTelemetry
// semantic conventions for Model Context Protocol (status: development; `mcp.*`, `gen_ai.*`,
// `jsonrpc.request.id`, `rpc.response.status_code`, `error.type`); what they do not cover is the
// proxy's own and says so with its `frontdoor.` prefix (docs/tracing.md lists every name). Pure.
import type { ProxyError } from '../../errors/proxy-error.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../jsonrpc/message.js';
import { redactUrl } from '../redact-url.js';

export const ATTR = {
  method: 'mcp.method.name',
  sessionId: 'mcp.session.id',
  protocolVersion: 'mcp.protocol.version',
  resourceUri: 'mcp.resource.uri',
  requestId: 'jsonrpc.request.id',
  toolName: 'gen_ai.tool.name',
  promptName: 'gen_ai.prompt.name',
  operation: 'gen_ai.operation.name',
  statusCode: 'rpc.response.status_code',
  errorType: 'error.type',
  networkTransport: 'network.transport',
  networkProtocol: 'network.protocol.name',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  route: 'frontdoor.route',
  face: 'frontdoor.face',
  backendTransport: 'frontdoor.backend.transport',
  backendUrl: 'frontdoor.backend.url',
  outcome: 'frontdoor.outcome',
  errorId: 'frontdoor.error_id',
  errorCode: 'frontdoor.error_code',
} as const;

export type Attributes = Record<string, string | number>;

/** Client input on spans is bounded (tool names, resource URIs, ids). */
const MAX_VALUE_CHARS = 256;
const bounded = (v: unknown) => String(v).slice(0, MAX_VALUE_CHARS);

/** What a route's face puts on every span of its sessions. */
export interface RouteFacts {
  route: string;
  face: 'streamable-http' | 'legacy-sse' | 'modern';
  transport: 'sse' | 'streamable-http' | 'stdio';
  /** The configured backend URL (HTTP transports); recorded redacted. */
  backendUrl: URL | undefined;
}

/** The constant attributes of a route face's server spans (the client speaks HTTP to the proxy). */
export function serverAttributes(f: RouteFacts): Attributes {
  return { [ATTR.route]: f.route, [ATTR.face]: f.face, [ATTR.backendTransport]: f.transport, [ATTR.networkTransport]: 'tcp', [ATTR.networkProtocol]: 'http' };
}

/** The constant attributes of a route's backend spans: transport and where (no credentials, no query values). */
export function backendAttributes(f: RouteFacts): Attributes {
  const attrs: Attributes = { [ATTR.route]: f.route, [ATTR.backendTransport]: f.transport };
  if (f.transport === 'stdio' || !f.backendUrl) {
    attrs[ATTR.networkTransport] = 'pipe';
    return attrs;
  }
  const u = f.backendUrl;
  attrs[ATTR.networkTransport] = 'tcp';
  attrs[ATTR.networkProtocol] = 'http';
  attrs[ATTR.serverAddress] = u.hostname.replace(/^\[|\]$/g, '');
  attrs[ATTR.serverPort] = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  attrs[ATTR.backendUrl] = redactUrl(u);
  return attrs;
}

/** `{mcp.method.name} {target}`: the tool or prompt name when there is one (the conventions' span name). */
export function spanName(m: JsonRpcRequest): string {
  const name = m.params?.name;
  if ((m.method === 'tools/call' || m.method === 'prompts/get') && typeof name === 'string') return `${m.method} ${bounded(name)}`;
  return m.method;
}

/** The attributes of one request, on both of its spans. */
export function requestAttributes(m: JsonRpcRequest, protocolVersion: string | undefined): Attributes {
  const attrs: Attributes = { [ATTR.method]: m.method };
  const p = m.params;
  if (m.method === 'tools/call' && p?.name !== undefined) {
    attrs[ATTR.toolName] = bounded(p.name);
    attrs[ATTR.operation] = 'execute_tool';
  } else if (m.method === 'prompts/get' && p?.name !== undefined) attrs[ATTR.promptName] = bounded(p.name);
  else if (typeof p?.uri === 'string' && (m.method === 'resources/read' || m.method === 'resources/subscribe' || m.method === 'resources/unsubscribe')) {
    attrs[ATTR.resourceUri] = bounded(p.uri);
  }
  if (protocolVersion !== undefined) attrs[ATTR.protocolVersion] = protocolVersion;
  return attrs;
}

/** How a request ended, as the spans record it. */
export interface Outcome {
  outcome: 'ok' | 'tool_error' | 'error' | 'cancelled';
  attributes: Attributes;
  /** The span status description (the JSON-RPC error message); undefined for `ok`. */
  message: string | undefined;
}

/** The client cancelled the request (notifications/cancelled): its spans end there, not an error of anyone's. */
export const CANCELLED: Outcome = { outcome: 'cancelled', attributes: { [ATTR.outcome]: 'cancelled' }, message: undefined };

/**
 * The server span's outcome: what the client got. `error.type` is the JSON-RPC code, or `tool_error`
 * for a tools/call result with `isError` (the conventions' values); the errorId is the one in the
 * client's error.data and in the proxy's log line.
 */
export function clientOutcome(response: JsonRpcResponse, error: ProxyError | undefined): Outcome {
  const e = response.error;
  if (!e) {
    const toolError = (response.result as { isError?: unknown } | undefined)?.isError === true;
    if (!toolError) return { outcome: 'ok', attributes: { [ATTR.outcome]: 'ok' }, message: undefined };
    return { outcome: 'tool_error', attributes: { [ATTR.outcome]: 'tool_error', [ATTR.errorType]: 'tool_error' }, message: undefined };
  }
  const attributes: Attributes = { [ATTR.outcome]: 'error', [ATTR.errorType]: String(e.code), [ATTR.statusCode]: String(e.code) };
  const data = e.data as { errorId?: unknown; code?: unknown } | undefined;
  const errorId = error?.errorId ?? data?.errorId;
  if (typeof errorId === 'string') attributes[ATTR.errorId] = errorId;
  const code = error?.code ?? data?.code;
  if (typeof code === 'string') attributes[ATTR.errorCode] = code;
  return { outcome: 'error', attributes, message: bounded(e.message) };
}

/**
 * The backend span's outcome: the backend's own answer, or, when the proxy answered instead (a
 * timeout, a dropped connection), the proxy's reason as `error.type`.
 */
export function backendOutcome(response: JsonRpcResponse, error: ProxyError | undefined): Outcome {
  if (!error) return clientOutcome(response, undefined);
  return {
    outcome: 'error',
    attributes: { [ATTR.outcome]: 'error', [ATTR.errorType]: error.reason, [ATTR.errorCode]: error.code, [ATTR.errorId]: error.errorId },
    message: bounded(error.message),
  };
}
