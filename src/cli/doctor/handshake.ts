// The messages the doctor sends, and the `initialized` strictness check both transports share.
// The check sends `tools/list` after `initialize` but before `notifications/initialized`: a strict
// server (python-sdk < 1.18, docs/quirks.md) answers -32602 "Invalid request parameters", which is
// what Claude Code users see over SSE (anthropics/claude-code#58759). A second `tools/list` after the
// notification tells strictness apart from a server that rejects tools/list for another reason.
import { classify, RPC_INVALID_PARAMS, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import type { InitializedCheck, ServerIdentity } from './probe-results.js';

/** The version the doctor offers: what current Claude Code, Cursor and VS Code send. */
export const DOCTOR_PROTOCOL_VERSION = '2025-06-18';

export const INITIALIZE: JsonRpcRequest = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: DOCTOR_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcp-frontdoor-doctor', version: '1.0.0' } },
};

export const INITIALIZED: JsonRpcNotification = { jsonrpc: '2.0', method: 'notifications/initialized' };

const toolsList = (id: number): JsonRpcRequest => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });

/** The InitializeResult's identity, or undefined when `response` is not one. */
export function serverIdentityOf(response: JsonRpcResponse | undefined): ServerIdentity | undefined {
  const result = response?.result;
  if (!result || typeof result.protocolVersion !== 'string') return undefined;
  const info = (result.serverInfo ?? {}) as { name?: unknown; version?: unknown };
  const identity: ServerIdentity = { protocolVersion: result.protocolVersion };
  if (typeof info.name === 'string') identity.name = info.name;
  if (typeof info.version === 'string') identity.version = info.version;
  return identity;
}

export function isResponse(value: unknown): value is JsonRpcResponse {
  return classify(value) === 'response';
}

/** Sends a request and returns its response, or a sentence saying why none came. */
export type RpcCall = (request: JsonRpcRequest) => Promise<JsonRpcResponse | string>;

export async function checkInitialized(call: RpcCall, notify: (n: JsonRpcNotification) => Promise<void>): Promise<InitializedCheck> {
  const early = await call(toolsList(2));
  await notify(INITIALIZED);
  if (typeof early === 'string') return { outcome: 'no-answer', detail: early };
  if (!early.error) return { outcome: 'tolerant' };
  const error = { code: early.error.code, message: early.error.message };
  if (error.code !== RPC_INVALID_PARAMS) return { outcome: 'error', error };
  const late = await call(toolsList(3));
  if (typeof late !== 'string' && !late.error) return { outcome: 'strict', error };
  return { outcome: 'error', error };
}
