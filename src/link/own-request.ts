// A request the link makes itself on its channel (the handshake, a subscription), through the link's
// id table, bounded in time: a backend that does not answer its own handshake is of no use to anyone.
import type { Channel } from '../backends/channel.js';
import { ProxyError, toProxyError } from '../errors/proxy-error.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../jsonrpc/message.js';
import type { IdTable } from './id-table.js';

export function ownRequest(table: IdTable, channel: Channel, method: string, params: Record<string, unknown>, timeoutMs: number): Promise<JsonRpcResponse> {
  return new Promise<JsonRpcResponse>((resolve, reject) => {
    let out: JsonRpcRequest | undefined;
    const timer = setTimeout(() => {
      if (out) table.forget(out.id as number);
      reject(
        new ProxyError(
          'ERR_BACKEND_TIMEOUT',
          'backend_request_timeout',
          `the backend did not answer ${method} within backend.timeouts.connect (${timeoutMs} ms)`,
        ),
      );
    }, timeoutMs);
    const settle =
      <T>(f: (v: T) => void) =>
      (v: T) => {
        clearTimeout(timer);
        f(v);
      };
    out = table.addOwn(method, params, settle(resolve), settle(reject));
    const sent = out;
    channel.send(sent).catch((e: unknown) => {
      clearTimeout(timer);
      table.forget(sent.id as number);
      reject(toProxyError(e));
    });
  });
}
