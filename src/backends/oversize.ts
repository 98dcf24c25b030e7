// A backend message over limits.maxMessageBytes is dropped unparsed, but the request it answers must
// still get an answer (an error naming the limit), or it would wait for ever. The first and last
// characters of the dropped message name it: servers write responses as {"jsonrpc","id","result"}
// (the Python SDK) or {"result",…,"jsonrpc","id"} (the TypeScript SDK), so the id is at one end or the
// other. Both patterns are anchored to the ends of the top-level object: an "id" nested inside the
// result can never match. Pure.
import type { Logger } from 'pino';
import type { JsonRpcId, JsonRpcResponse } from '../jsonrpc/message.js';
import { ProxyError } from '../errors/proxy-error.js';

const ID = String.raw`(-?\d{1,17}|"(?:[^"\\]|\\.){0,200}")`;
/** A response's start: optional jsonrpc and id members, then result or error. */
const HEAD = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?(?:"id"\s*:\s*${ID}\s*,\s*)?"(?:result|error)"\s*:`);
/** A response's end: the id as the last member of the top-level object. */
const TAIL = new RegExp(String.raw`"id"\s*:\s*${ID}\s*\}\s*$`);

function parseId(text: string | undefined): JsonRpcId | undefined {
  if (text === undefined) return undefined;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return undefined;
    }
  }
  return Number(text);
}

/** The JSON of the first `data:` line of raw SSE text, or the text itself when it has none. */
export function sseData(raw: string): string {
  const m = /(?:^|[\r\n])data: ?([^\r\n]*)/.exec(raw);
  return m ? m[1]! : raw;
}

/** Whether the start of a message is a response's, and its id when the start shows it. */
export function responseHead(head: string): { response: boolean; id: JsonRpcId | undefined } {
  const m = HEAD.exec(head);
  return m ? { response: true, id: parseId(m[1]) } : { response: false, id: undefined };
}

/** The id at the end of a response's text. */
export function responseTailId(tail: string): JsonRpcId | undefined {
  return parseId(TAIL.exec(tail.replace(/[\r\n]+$/, ''))?.[1]);
}

export function messageTooLarge(maxBytes: number, size: number | undefined): ProxyError {
  const seen = size === undefined ? 'never ended' : `had ${size} bytes`;
  return new ProxyError(
    'ERR_BACKEND_MESSAGE_TOO_LARGE',
    'backend_message_too_large',
    `the backend's answer is larger than limits.maxMessageBytes (${maxBytes} bytes); it was dropped`,
    {
      limit: 'maxMessageBytes',
      detail: `the dropped message ${seen}`,
    },
  );
}

/**
 * Follows one dropped message from its start to its end, and says (once) which request it answered:
 * at the start when the id leads, else at the end when it trails.
 */
export class OversizeTracker {
  private response = false;
  private attributed = false;

  constructor(private readonly answer: (id: JsonRpcId) => void) {}

  started(head: string): void {
    const h = responseHead(head);
    this.response = h.response;
    this.attributed = false;
    if (h.id !== undefined) {
      this.attributed = true;
      this.answer(h.id);
    }
  }

  ended(tail: string): boolean {
    if (!this.response || this.attributed) return this.attributed;
    const id = responseTailId(tail);
    if (id === undefined) return false;
    this.attributed = true;
    this.answer(id);
    return true;
  }
}

/** What a transport gives to follow dropped messages, and gets back to hand its parser or framer. */
export interface OversizeOptions {
  maxBytes: number;
  log: Logger;
  /** Counts and logs the error a request is answered with. */
  report(err: ProxyError): void;
  limitHit(limit: string): void;
  /** Hands the error answer up, as if the backend had sent it. */
  deliver(answer: JsonRpcResponse): void;
  /** Turns the start of what was dropped into message JSON (SSE: the first `data:` line). */
  unwrap?(head: string): string;
}

export interface OversizeCallbacks {
  maxEventChars: number;
  onOversize(head: string): void;
  onOversizeEnd(tail: string, size: number): void;
}

/** The callbacks every transport's parser or framer calls when a message goes over the bound. */
export function oversizeCallbacks(o: OversizeOptions): OversizeCallbacks {
  const tracker = new OversizeTracker((id) => {
    const err = messageTooLarge(o.maxBytes, undefined);
    o.report(err);
    o.deliver(err.toJsonRpc(id));
  });
  return {
    maxEventChars: o.maxBytes,
    onOversize: (head) => tracker.started(o.unwrap ? o.unwrap(head) : head),
    onOversizeEnd: (tail, size) => {
      if (tracker.ended(tail)) return;
      o.limitHit('maxMessageBytes');
      o.log.warn(
        { reason: 'backend_message_too_large', limit: 'maxMessageBytes', bytes: size },
        'dropped a backend message larger than limits.maxMessageBytes that answers no request',
      );
    },
  };
}
