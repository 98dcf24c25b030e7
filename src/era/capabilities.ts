// Client and server capabilities across the eras: what an input request needs from the client, what
// the request's `_meta` declared, and the 2025 handshake form of a modern declaration. Pure.
import { refusal, type Refusal } from './refusal.js';
import { asJsonObject } from '../jsonrpc/json-object.js';

export type Capabilities = Record<string, unknown>;

/**
 * The client capability an input request (a backend's server→client request) needs, as a
 * ClientCapabilities fragment, or undefined for methods that need none.
 * MCP 2026-07-28, Multi Round-Trip Requests: never send an input request the client did not declare;
 * elicitation modes (`form`, `url`) and `sampling.tools` (when tools/toolChoice are used) count.
 */
export function requiredCapabilities(method: string, params: Record<string, unknown> | undefined): Capabilities | undefined {
  switch (method) {
    case 'elicitation/create':
      return params?.mode === 'url' ? { elicitation: { url: {} } } : { elicitation: { form: {} } };
    case 'sampling/createMessage':
      return params?.tools !== undefined || params?.toolChoice !== undefined ? { sampling: { tools: {} } } : { sampling: {} };
    case 'roots/list':
      return { roots: {} };
    default:
      return undefined;
  }
}

/** True when `declared` covers `required` (one level of sub-capabilities, as the spec defines them). */
export function declares(declared: Capabilities, required: Capabilities): boolean {
  for (const [name, sub] of Object.entries(required)) {
    const have = asJsonObject(declared[name]);
    if (have === undefined) return false;
    for (const key of Object.keys(asJsonObject(sub) ?? {})) {
      // MCP 2026-07-28, Client, Elicitation: a bare `elicitation: {}` means form mode only.
      if (name === 'elicitation' && key === 'form' && Object.keys(have).length === 0) continue;
      if (asJsonObject(have[key]) === undefined) return false;
    }
  }
  return true;
}

/** The capabilities an input request needs that the request's `_meta` did not declare, if any. */
export function missingCapabilities(declared: Capabilities, method: string, params: Record<string, unknown> | undefined): Capabilities | undefined {
  const required = requiredCapabilities(method, params);
  return required === undefined || declares(declared, required) ? undefined : required;
}

/**
 * MCP 2026-07-28, Basic, Error Codes (MissingRequiredClientCapabilityError): -32021 with
 * data.requiredCapabilities as a ClientCapabilities object (keyed by capability, not a list).
 */
export function missingCapabilityRefusal(required: Capabilities): Refusal {
  const names = Object.keys(required).join(', ');
  return refusal('ERR_MISSING_CLIENT_CAPABILITY', 'missing_client_capability', `the request needs client capabilities it did not declare: ${names}`, {
    requiredCapabilities: required,
  });
}

/** Handshake-era ClientCapabilities keys (MCP 2025-11-25 schema); a seat's `initialize` sends only these. */
const HANDSHAKE_CLIENT_KEYS = ['experimental', 'roots', 'sampling', 'elicitation'] as const;

/** The `capabilities` of the `initialize` a seat sends for a modern client's declaration. */
export function handshakeCapabilities(modern: Capabilities): Capabilities {
  const out: Capabilities = {};
  for (const key of HANDSHAKE_CLIENT_KEYS) if (asJsonObject(modern[key]) !== undefined) out[key] = modern[key];
  return out;
}

/**
 * The `capabilities` of a DiscoverResult from a handshake-era InitializeResult. 2025's experimental
 * `tasks` is dropped: in 2026-07-28 tasks are the `io.modelcontextprotocol/tasks` extension.
 */
export function discoverCapabilities(serverCaps: Capabilities): Capabilities {
  const out: Capabilities = { ...serverCaps };
  delete out.tasks;
  return out;
}
