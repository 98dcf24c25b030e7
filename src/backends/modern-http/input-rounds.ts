// Multi round-trip requests seen from a handshake-era client (MCP 2026-07-28, Multi Round-Trip
// Requests): an InputRequiredResult names input requests by key; the proxy asks the client each as a
// server→client request (sampling, elicitation, roots/list, as 2025 clients know them), and retries
// the original request with the answers. Pure: the channel does the asking and the POSTs.
import { ProxyError } from '../../errors/proxy-error.js';
import { MRTR_METHODS } from '../../era/methods.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import type { JsonRpcErrorObject } from '../../jsonrpc/message.js';

/** Rounds one request may take before the proxy gives up on it (a server that never completes). */
export const MAX_INPUT_ROUNDS = 8;

/** The methods an input request may name: what 2025 servers sent as server→client requests. */
const INPUT_METHODS: ReadonlySet<string> = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);

export interface InputRequest {
  key: string;
  method: string;
  params: Record<string, unknown> | undefined;
}

export interface InputRequired {
  requests: InputRequest[];
  requestState: string | undefined;
}

/**
 * The input requests of a result, when it is an InputRequiredResult of a method that may answer one;
 * undefined for a complete result. A malformed one is an error: it can be neither answered nor
 * passed to a client that has no notion of it.
 */
export function inputRequiredOf(method: string, result: Record<string, unknown>): InputRequired | ProxyError | undefined {
  if (result.resultType !== 'input_required') return undefined;
  if (!MRTR_METHODS.has(method)) return malformed(`${method} answered input_required, which only tools/call, prompts/get and resources/read may`);
  const requestState = result.requestState;
  if (requestState !== undefined && typeof requestState !== 'string') return malformed('its requestState is not a string');
  const map = result.inputRequests === undefined ? {} : asJsonObject(result.inputRequests);
  if (map === undefined) return malformed('its inputRequests is not an object');
  const requests: InputRequest[] = [];
  for (const [key, value] of Object.entries(map)) {
    const r = asJsonObject(value);
    if (r === undefined || typeof r.method !== 'string' || !INPUT_METHODS.has(r.method)) {
      return malformed(`its input request ${JSON.stringify(key)} is not an elicitation, sampling or roots request`);
    }
    const params = r.params === undefined ? undefined : asJsonObject(r.params);
    if (r.params !== undefined && params === undefined) return malformed(`the params of its input request ${JSON.stringify(key)} are not an object`);
    requests.push({ key, method: r.method, params });
  }
  // At least one of the two (Multi Round-Trip Requests, InputRequiredResult): else a retry changes nothing.
  if (requests.length === 0 && requestState === undefined) return malformed('it has neither inputRequests nor requestState');
  return { requests, requestState };
}

function malformed(why: string): ProxyError {
  return new ProxyError('ERR_BACKEND_PROTOCOL', 'backend_input_required_invalid', `the backend asked for input in a form the proxy cannot serve: ${why}`);
}

/**
 * The params of the retry: the original params (envelope included) with `inputResponses` (key →
 * the client's result) and the `requestState` echoed unchanged (Multi Round-Trip Requests, Retrying).
 * Nothing else of an earlier round is kept: each round answers only what that round asked.
 */
export function retryParams(
  original: Record<string, unknown> | undefined,
  responses: ReadonlyMap<string, Record<string, unknown>>,
  requestState: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...original };
  delete out.inputResponses;
  delete out.requestState;
  if (responses.size > 0) out.inputResponses = Object.fromEntries(responses);
  if (requestState !== undefined) out.requestState = requestState;
  return out;
}

/**
 * The client answered an input request with an error. InputResponses carry only results (a
 * CreateMessageResult, ElicitResult or ListRootsResult: an elicitation the user declines is a result,
 * `action: "decline"`), so an error cannot be passed on, and retrying without it would only be asked
 * the same again: the original request fails, naming the refused input and the client's error.
 */
export function inputRefused(request: InputRequest, error: JsonRpcErrorObject): ProxyError {
  return new ProxyError(
    'ERR_INPUT_REFUSED',
    'client_input_refused',
    `the client refused the ${request.method} the backend needed (input ${JSON.stringify(request.key)}): ${error.message} (${error.code})`,
  );
}

export function tooManyRounds(method: string): ProxyError {
  return new ProxyError(
    'ERR_BACKEND_PROTOCOL',
    'input_rounds_exceeded',
    `the backend asked for input more than ${MAX_INPUT_ROUNDS} times for one ${method}; the proxy gave up on it`,
  );
}
