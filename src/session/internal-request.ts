// A request the proxy itself makes to a backend (a replayed `initialize`, a renewed subscription),
// answered through the session's correlator, bounded by a timeout.
import type { Channel } from '../backends/channel.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import type { JsonRpcResponse } from '../jsonrpc/message.js';
import type { Correlator } from './correlator.js';

export function requestOnChannel(
  channel: Channel | undefined,
  correlator: Correlator,
  method: string,
  params: Record<string, unknown>,
  timeoutMs: number,
): Promise<JsonRpcResponse> {
  if (!channel) return Promise.reject(new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'the backend connection is closed'));
  return new Promise<JsonRpcResponse>((resolve, reject) => {
    const timer = setTimeout(() => {
      correlator.take(id);
      reject(new ProxyError('ERR_BACKEND_TIMEOUT', 'backend_initialize_timeout', `the backend did not answer ${method} within ${timeoutMs} ms`));
    }, timeoutMs);
    const id = correlator.addInternal(
      method,
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      // A channel failure during the handshake keeps its own reason (backend_exited, …) and errorId.
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
    channel.send({ jsonrpc: '2.0', id, method, params }).catch((e: unknown) => {
      clearTimeout(timer);
      correlator.take(id);
      reject(toProxyError(e));
    });
  });
}
