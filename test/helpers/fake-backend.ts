// An in-process backend for component tests of sessions and links: a connector whose channels
// behave like a tiny MCP server (initialize, echo answers, `hang` never answered), record what they
// received, and can be dropped, made to send anything, or to refuse requests as a lost session.
import { ProxyError } from '../../src/errors/proxy-error.js';
import type { BackendConnector, Channel, ChannelHandlers } from '../../src/backends/channel.js';
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../../src/jsonrpc/message.js';

export interface FakeBackend {
  connector: BackendConnector;
  /** Channels opened so far. */
  opened: number;
  /** What each channel received, by channel number. */
  received: JsonRpcMessage[][];
  /** Answers the backend got to its own server→client requests. */
  answers: JsonRpcResponse[];
  /** Drops the current channel as if the backend went away. */
  drop(cause?: ProxyError): void;
  /** Sends a message from the backend on the current channel (`related`: the request whose stream carries it). */
  emit(m: JsonRpcMessage, related?: JsonRpcId): void;
  /** The next sends of requests (not initialize) are refused as a lost backend session, this many times. */
  loseSessionTimes: number;
  /** Refuses initialize from clients with this name. */
  rejectClient?: string;
}

export function fakeBackend(): FakeBackend {
  const state: FakeBackend = {
    opened: 0,
    received: [],
    answers: [],
    loseSessionTimes: 0,
    drop: () => undefined,
    emit: () => undefined,
    connector: undefined as unknown as BackendConnector,
  };
  state.connector = {
    description: 'fake',
    async connect(handlers: ChannelHandlers): Promise<Channel> {
      const no = state.opened++;
      const log: JsonRpcMessage[] = [];
      state.received.push(log);
      let open = true;
      state.drop = (cause = new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stream_ended', 'fake drop')) => {
        if (!open) return;
        open = false;
        handlers.onClose(cause);
      };
      state.emit = (m, related) => handlers.onMessage(m, related);
      return {
        description: `fake#${no}`,
        async send(m) {
          if (!open) throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_channel_closed', 'closed');
          if ('method' in m && 'id' in m && m.method !== 'initialize' && state.loseSessionTimes > 0) {
            state.loseSessionTimes--;
            open = false;
            const lost = new ProxyError('ERR_BACKEND_SESSION_LOST', 'backend_session_expired', 'the backend no longer knows this session (HTTP 404)');
            queueMicrotask(() => handlers.onClose(lost));
            throw lost;
          }
          log.push(m);
          if ('method' in m && 'id' in m) {
            const req = m as JsonRpcRequest;
            if ((req.params as { name?: string } | undefined)?.name === 'hang') return;
            const client = (req.params?.clientInfo as { name?: string } | undefined)?.name;
            if (req.method === 'initialize' && client !== undefined && client === state.rejectClient) {
              queueMicrotask(() => open && handlers.onMessage({ jsonrpc: '2.0', id: req.id, error: { code: -32602, message: 'bad client' } }));
              return;
            }
            const result =
              req.method === 'initialize'
                ? { protocolVersion: '2025-06-18', serverInfo: { name: 'fake', version: String(no) }, capabilities: {} }
                : { echo: req.params?.name ?? req.method, channel: no };
            queueMicrotask(() => open && handlers.onMessage({ jsonrpc: '2.0', id: req.id, result }));
          } else if (!('method' in m)) state.answers.push(m as JsonRpcResponse);
        },
        async close() {
          open = false;
        },
        pause() {},
        resume() {},
      };
    },
    async dispose() {},
  };
  return state;
}

/** Lets queued microtasks and I/O callbacks run (the fake answers in microtasks). */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
