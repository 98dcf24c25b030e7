// The messages the doctor sends, and the `initialized` strictness check both transports share.
// The check sends `tools/list` after `initialize` but before `notifications/initialized`: a strict
// server (python-sdk 1.9.4–1.17, docs/quirks.md) answers -32602 "Invalid request parameters", which is
// what Claude Code users see over SSE (anthropics/claude-code#58759); python-sdk before 1.9.4 raises
// "Received request before initialization was complete" and its session dies with the stream. A
// second `tools/list` after the notification tells strictness apart from a server that rejects
// tools/list for another reason, and shows whether the session survived.
import { classify, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../jsonrpc/message.js';
import type { InitializedCheck, JsonRpcErrorSeen, ServerIdentity } from './probe-results.js';

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

/** Why a request got no JSON-RPC response. */
export interface CallFailure {
  problem: string;
  /** The session is gone: its legacy SSE stream ended, or the server answered 404 for it. */
  sessionGone: boolean;
  /** Nothing came within the timeout (the server may only be slow). */
  timedOut: boolean;
}

/** Sends a request and returns its response, or why none came. */
export type RpcCall = (request: JsonRpcRequest) => Promise<JsonRpcResponse | CallFailure>;

const isFailure = (r: JsonRpcResponse | CallFailure): r is CallFailure => 'problem' in r;
const errorText = (e: JsonRpcErrorSeen) => `${e.code} "${e.message}"`;

export async function checkInitialized(call: RpcCall, notify: (n: JsonRpcNotification) => Promise<void>): Promise<InitializedCheck> {
  const early = await call(toolsList(2));
  await notify(INITIALIZED);
  if (!isFailure(early) && !early.error) return { outcome: 'tolerant' };
  // A second tools/list after the notification tells strictness apart from a server that fails
  // tools/list for another reason, and shows whether the early request ended the session.
  const late = await call(toolsList(3));
  const lateWorked = !isFailure(late) && !late.error;
  if (!isFailure(early)) {
    const error = { code: early.error!.code, message: early.error!.message };
    return lateWorked ? { outcome: 'strict', early: errorText(error), error } : { outcome: 'error', error };
  }
  if (lateWorked) return { outcome: 'strict', early: early.problem };
  if (isFailure(late) && (early.sessionGone || late.sessionGone) && !early.timedOut) {
    return { outcome: 'ends-session', detail: `${early.problem}; after notifications/initialized, ${late.problem}` };
  }
  return { outcome: 'no-answer', detail: early.problem };
}
