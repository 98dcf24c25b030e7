// One `subscriptions/listen` stream of a modern client: an SSE response that opens with the
// acknowledgement of the honoured filter and then carries the seat's list changes and resource
// updates that the filter asks for, each stamped with the listen request's id.
// MCP 2026-07-28, Basic, Subscriptions: the first message is notifications/subscriptions/acknowledged
// naming the honoured subset; every notification carries _meta["io.modelcontextprotocol/subscriptionId"];
// the stream ends with the (empty) result only when the server tears it down.
import type { ServerResponse } from 'node:http';
import type { JsonRpcId, JsonRpcMessage, JsonRpcNotification } from '../../jsonrpc/message.js';
import { sseEvent } from '../../jsonrpc/sse-format.js';
import { KeepAlive, startSse } from '../sse-stream.js';
import { META_SUBSCRIPTION_ID } from '../../era/envelope.js';
import type { ListenFilter } from '../../era/listen-filter.js';

/** Whether a backend notification is one the filter asked for. */
export function wanted(filter: ListenFilter, m: JsonRpcNotification): boolean {
  switch (m.method) {
    case 'notifications/tools/list_changed':
      return filter.toolsListChanged === true;
    case 'notifications/prompts/list_changed':
      return filter.promptsListChanged === true;
    case 'notifications/resources/list_changed':
      return filter.resourcesListChanged === true;
    case 'notifications/resources/updated':
      return typeof m.params?.uri === 'string' && (filter.resourceSubscriptions?.includes(m.params.uri) ?? false);
    default:
      return false;
  }
}

export class ListenStream {
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    readonly id: JsonRpcId,
    readonly filter: ListenFilter,
    keepAlive: KeepAlive,
    private readonly maxQueuedBytes: number,
    onClose: (stream: ListenStream) => void,
  ) {
    startSse(res, keepAlive, {});
    res.once('close', () => {
      this.ended = true;
      onClose(this);
    });
  }

  /** The first message: the subscription is established, with the honoured filter. */
  acknowledge(): void {
    if (this.open) this.write({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: this.filter } });
  }

  get open(): boolean {
    return !this.ended && !this.res.destroyed;
  }

  /** Delivers a backend notification when the filter wants it. */
  offer(m: JsonRpcNotification): void {
    if (this.open && wanted(this.filter, m)) this.write(m);
  }

  private write(m: JsonRpcNotification): void {
    const stamped: JsonRpcMessage = { ...m, params: { ...m.params, _meta: { ...(m.params?._meta as object | undefined), [META_SUBSCRIPTION_ID]: this.id } } };
    // A listener that does not read loses its stream rather than growing the proxy's memory
    // (limits.streamBufferBytes); the client opens a new listen and re-reads what it lists.
    if (this.res.writableLength > this.maxQueuedBytes) {
      this.res.destroy();
      return;
    }
    this.res.write(sseEvent(JSON.stringify(stamped)));
  }

  /** The server tears the subscription down (the seat closed): the empty result ends the stream. */
  end(): void {
    if (!this.open) return;
    this.ended = true;
    this.res.end(sseEvent(JSON.stringify({ jsonrpc: '2.0', id: this.id, result: { _meta: { [META_SUBSCRIPTION_ID]: this.id } } })));
  }
}
