// When the proxy must send `notifications/initialized` for a client (handshake repair, docs/quirks.md):
// strict servers (python-sdk < 1.18) answer -32602 to any request but ping before it. Pure.
import { isRequest, type JsonRpcMessage } from '../jsonrpc/message.js';

/** True when these messages hold a request other than ping and not the client's own `initialized`. */
export function needsInitialized(messages: readonly JsonRpcMessage[]): boolean {
  let request = false;
  for (const m of messages) {
    if (!('method' in m)) continue;
    if (m.method === 'notifications/initialized') return false;
    if (isRequest(m) && m.method !== 'ping') request = true;
  }
  return request;
}
