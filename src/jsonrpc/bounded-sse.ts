// An SSE parser with a bound on one event (limits.maxMessageBytes). eventsource-parser does the
// parsing; on its own it buffers an event until the blank line that ends it, so a backend event of
// 100 MB costs 100 MB here, and one that never ends grows for ever and swallows every message after
// it. This wrapper counts what arrived since the last event boundary; past the bound it drops the
// parser's buffer, discards the stream up to the next blank line, and resumes parsing after it, so
// the next event is intact. It keeps the first and last characters of the dropped event, which name
// the request it answered (oversize-id.ts). Pure.
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

/** Characters kept from the start and the end of a dropped event. */
export const KEPT_CHARS = 1024;

export interface BoundedSseOptions {
  /** Largest event, in characters of SSE text (the JSON of one message, about its bytes). */
  maxEventChars: number;
  onEvent(event: EventSourceMessage): void;
  onRetry?(ms: number): void;
  /** The current event passed the bound: its first characters. Called once per dropped event. */
  onOversize(head: string): void;
  /** The dropped event ended (its blank line arrived): its last characters and its size. */
  onOversizeEnd(tail: string, chars: number): void;
}

/** Tracks line terminators across chunks to find blank lines (event boundaries: \n\n, \r\n\r\n, \r\r). */
interface LineState {
  /** The text so far ends with a line terminator. */
  atLineStart: boolean;
  /** …and that terminator was a \r (a \n right after it belongs to it). */
  afterCR: boolean;
}

const TERMINATOR = /\r\n|\r|\n/g;

/**
 * Scans `chunk` for blank lines: returns the index just after the first one (`first`) or the last one
 * (otherwise), or -1; updates `state` to the end of the chunk either way.
 */
function findBoundary(chunk: string, state: LineState, first: boolean): number {
  let found = -1;
  let prevEnd = state.atLineStart ? 0 : -1;
  let start = 0;
  // A \n that completes a \r\n split across chunks is part of the previous terminator.
  if (state.afterCR && chunk.charCodeAt(0) === 0x0a) {
    start = 1;
    prevEnd = 1;
  }
  TERMINATOR.lastIndex = start;
  for (let m = TERMINATOR.exec(chunk); m; m = TERMINATOR.exec(chunk)) {
    const end = m.index + m[0].length;
    if (m.index === prevEnd) {
      found = end;
      if (first) break;
      prevEnd = -1; // a run of terminators: the next blank line needs a line in between
      continue;
    }
    prevEnd = end;
  }
  if (first && found >= 0) {
    // The caller resumes after `found`: the state at that point is "just ended an event".
    state.atLineStart = true;
    state.afterCR = chunk.charCodeAt(found - 1) === 0x0d;
    return found;
  }
  const last = chunk.charCodeAt(chunk.length - 1);
  if (chunk.length > 0) {
    state.atLineStart = last === 0x0a || last === 0x0d;
    state.afterCR = last === 0x0d;
  }
  return found;
}

/**
 * One stream's parser. A class, with the callbacks on an object the caller owns (often the channel
 * itself): a backend channel lives as long as its session, and closures per channel cost each idle
 * session memory (docs/performance.md).
 */
export class BoundedSseParser {
  private readonly parser: EventSourceParser;
  private readonly line: LineState = { atLineStart: true, afterCR: false };
  /** Characters since the last event boundary, and the first of them. */
  private since = 0;
  private head = '';
  /** Inside a dropped event: its size so far and its last characters. */
  private discarding = false;
  private dropped = 0;
  private tail = '';

  constructor(private readonly opts: BoundedSseOptions) {
    this.parser = createParser({
      onEvent: (ev) => this.parsed(ev),
      ...(opts.onRetry ? { onRetry: (ms: number) => opts.onRetry!(ms) } : {}),
    });
  }

  feed(chunk: string): void {
    if (chunk.length === 0) return;
    if (this.discarding) {
      const end = findBoundary(chunk, this.line, true);
      if (end < 0) {
        this.dropped += chunk.length;
        this.keepTail(chunk);
        return;
      }
      this.dropped += end;
      this.keepTail(chunk.slice(0, end));
      this.discarding = false;
      this.since = 0;
      this.head = '';
      this.opts.onOversizeEnd(this.tail, this.dropped);
      this.tail = '';
      this.feed(chunk.slice(end));
      return;
    }
    this.parser.feed(chunk);
    const end = findBoundary(chunk, this.line, false);
    if (end >= 0) {
      this.since = chunk.length - end;
      this.head = chunk.slice(end, end + KEPT_CHARS);
    } else {
      this.since += chunk.length;
      if (this.head.length < KEPT_CHARS) this.head += chunk.slice(0, KEPT_CHARS - this.head.length);
    }
    if (this.since <= this.opts.maxEventChars) return;
    // Too big: forget what the parser holds of this event and skip to its end.
    this.parser.reset({ consume: false });
    this.discarding = true;
    this.dropped = this.since;
    this.tail = '';
    this.keepTail(chunk);
    this.opts.onOversize(this.head);
  }

  /** An event that arrived whole within one chunk is already in memory; it is still refused. */
  private parsed(ev: EventSourceMessage): void {
    if (ev.data.length <= this.opts.maxEventChars) return this.opts.onEvent(ev);
    this.opts.onOversize(ev.data.slice(0, KEPT_CHARS));
    this.opts.onOversizeEnd(ev.data.slice(-KEPT_CHARS), ev.data.length);
  }

  private keepTail(text: string): void {
    this.tail = text.length >= KEPT_CHARS ? text.slice(-KEPT_CHARS) : (this.tail + text).slice(-KEPT_CHARS);
  }
}
