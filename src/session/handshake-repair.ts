// When the proxy must send `notifications/initialized` for a client (handshake repair, docs/quirks.md):
// strict servers (python-sdk < 1.18) answer -32602 to any request before it; python-sdk < 1.14
// refuses even a ping, and before 1.9.4 a refused request ends the session. A ping is sent after the
// client's initialize was answered, so `initialized` is due by then anyway. Pure.
import { isRequest, type JsonRpcMessage } from '../jsonrpc/message.js';

/** True when these messages hold a request (ping included) and not the client's own `initialized`. */
export function needsInitialized(messages: readonly JsonRpcMessage[]): boolean {
  let request = false;
  for (const m of messages) {
    if (!('method' in m)) continue;
    if (m.method === 'notifications/initialized') return false;
    if (isRequest(m)) request = true;
  }
  return request;
}
