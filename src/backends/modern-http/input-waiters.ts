// The server→client requests a channel sends for one round of input (input-rounds.ts), and the wait
// for the client's answers: all of them, bounded by limits.requestTimeout and ended at once by the
// request's cancellation. The ids are the channel's own (a random prefix and a counter), so an
// answer can only match the request it answers.
import { ProxyError } from '../../errors/proxy-error.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import type { JsonRpcId, JsonRpcRequest, JsonRpcResponse } from '../../jsonrpc/message.js';
import { inputRefused, type InputRequest } from './input-rounds.js';

export class InputWaiters {
  private seq = 0;
  private readonly waiting = new Map<JsonRpcId, (r: JsonRpcResponse) => void>();

  constructor(private readonly prefix: string) {}

  /** A fresh id and the promise of its answer. */
  open(): { id: string; answer: Promise<JsonRpcResponse>; cancel(): void } {
    const id = `${this.prefix}-${++this.seq}`;
    const answer = new Promise<JsonRpcResponse>((resolve) => this.waiting.set(id, resolve));
    return { id, answer, cancel: () => this.waiting.delete(id) };
  }

  /** Hands the client's answer to its waiter; false when nobody waits for that id. */
  answer(response: JsonRpcResponse): boolean {
    const resolve = this.waiting.get(response.id as JsonRpcId);
    if (resolve === undefined) return false;
    this.waiting.delete(response.id as JsonRpcId);
    resolve(response);
    return true;
  }

  get size(): number {
    return this.waiting.size;
  }

  clear(): void {
    this.waiting.clear();
  }
}

export interface AskOptions {
  /** Sends one server→client request up the channel (related to the request that needs it). */
  deliver(request: JsonRpcRequest): void;
  signal: AbortSignal;
  timeoutMs: number;
}

/** Asks the client every input request of one round; resolves with key → result, rejects on the first refusal. */
export async function askClient(waiters: InputWaiters, requests: readonly InputRequest[], opts: AskOptions): Promise<Map<string, Record<string, unknown>>> {
  const asked = requests.map((r) => ({ request: r, ...waiters.open() }));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProxyError(
            'ERR_INPUT_TIMEOUT',
            'client_input_timeout',
            `the client did not answer the backend's input requests within limits.requestTimeout (${opts.timeoutMs} ms)`,
          ),
        ),
      opts.timeoutMs,
    );
    onAbort = () => reject(new ProxyError('ERR_BACKEND_DISCONNECTED', 'request_cancelled', 'the client cancelled this request'));
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  });
  stop.catch(() => undefined);
  try {
    for (const a of asked) opts.deliver({ jsonrpc: '2.0', id: a.id, method: a.request.method, ...(a.request.params ? { params: a.request.params } : {}) });
    const out = new Map<string, Record<string, unknown>>();
    const answers = asked.map(async (a) => {
      const r = await a.answer;
      if (r.error !== undefined) throw inputRefused(a.request, r.error);
      out.set(a.request.key, asJsonObject(r.result) ?? {});
    });
    await Promise.race([Promise.all(answers), stop]);
    // In the order the backend asked, whatever order the client answered in.
    return new Map(requests.filter((r) => out.has(r.key)).map((r) => [r.key, out.get(r.key)!]));
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal.removeEventListener('abort', onAbort);
    for (const a of asked) a.cancel();
  }
}
