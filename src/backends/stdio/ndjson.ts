// Newline-delimited framing for the stdio transport (MCP transports §stdio: messages are delimited
// by newlines and contain none). Pure: bytes in, complete lines out. Lines are cut on raw bytes and
// decoded whole, so a UTF-8 sequence split across chunks is never mangled; `\r\n` endings are
// accepted. A line longer than `maxLineBytes` is dropped (reported through `onOverflow`) and the
// framer resyncs at the next newline, so one runaway line costs bounded memory.

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Default bound for one stdout message: large tool results fit, a stuck writer cannot exhaust memory. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface LineFramerOptions {
  maxLineBytes?: number;
  /** A line passed the bound and is being dropped: its first bytes (they may name the request it answers). */
  onOverflowStart?(head: string): void;
  /** The dropped line ended: its length (at least the bound) and its last bytes. */
  onOverflow?(bytes: number, tail: string): void;
}

/** Bytes kept from the start and the end of a dropped line. */
const KEPT_BYTES = 1024;

export class LineFramer {
  private readonly maxLineBytes: number;
  private readonly onOverflow: (bytes: number, tail: string) => void;
  private readonly onOverflowStart: (head: string) => void;
  /** The last bytes of the line being dropped. */
  private tail: Uint8Array = new Uint8Array(0);
  private readonly decoder = new TextDecoder('utf-8');
  /** Bytes of the current, unterminated line. */
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  /** Inside an over-long line: bytes are counted and dropped until the next newline. */
  private discarding = false;
  private discardedBytes = 0;

  constructor(opts: LineFramerOptions = {}) {
    this.maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
    this.onOverflow = opts.onOverflow ?? (() => undefined);
    this.onOverflowStart = opts.onOverflowStart ?? (() => undefined);
  }

  /** Bytes held for the current unterminated line (for tests and metrics). */
  get buffered(): number {
    return this.partsBytes;
  }

  /** Feeds one chunk; returns the lines it completed, without their line ending. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) {
        this.hold(chunk.subarray(start));
        break;
      }
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.endDiscard(piece);
        continue;
      }
      if (this.partsBytes + piece.length > this.maxLineBytes) {
        this.startDiscard(piece);
        this.endDiscard(new Uint8Array(0));
        continue;
      }
      lines.push(this.take(piece));
    }
    return lines;
  }

  /** The stream ended: returns its last line when it had no trailing newline. */
  end(): string | undefined {
    if (this.discarding) {
      this.endDiscard(new Uint8Array(0));
      return undefined;
    }
    if (this.partsBytes === 0) return undefined;
    return this.take(new Uint8Array(0));
  }

  private hold(bytes: Uint8Array): void {
    if (this.discarding) {
      this.discardedBytes += bytes.length;
      this.keepTail(bytes);
      return;
    }
    if (this.partsBytes + bytes.length > this.maxLineBytes) {
      this.startDiscard(bytes);
      return;
    }
    // Copy: the caller's buffer may be reused (stream chunks usually are not, but cheap insurance).
    this.parts.push(Uint8Array.prototype.slice.call(bytes));
    this.partsBytes += bytes.length;
  }

  /** The held bytes and `more` make the line too long: keep its ends, drop the rest. */
  private startDiscard(more: Uint8Array): void {
    const held = this.take(new Uint8Array(0), false);
    const headBytes = held.length >= KEPT_BYTES ? held.subarray(0, KEPT_BYTES) : concat(held, more.subarray(0, KEPT_BYTES - held.length));
    this.discarding = true;
    this.discardedBytes = held.length + more.length;
    this.tail = new Uint8Array(0);
    this.keepTail(held);
    this.keepTail(more);
    this.onOverflowStart(this.decoder.decode(headBytes));
  }

  private keepTail(bytes: Uint8Array): void {
    this.tail = bytes.length >= KEPT_BYTES ? bytes.slice(bytes.length - KEPT_BYTES) : concat(this.tail, bytes).slice(-KEPT_BYTES);
  }

  private endDiscard(last: Uint8Array): void {
    this.keepTail(last);
    const total = this.discardedBytes + last.length;
    const tail = this.decoder.decode(this.tail);
    this.discarding = false;
    this.discardedBytes = 0;
    this.tail = new Uint8Array(0);
    this.onOverflow(total, tail);
  }

  private take(last: Uint8Array): string;
  private take(last: Uint8Array, decode: false): Uint8Array;
  private take(last: Uint8Array, decode = true): string | Uint8Array {
    let bytes: Uint8Array;
    if (this.parts.length === 0) bytes = last;
    else {
      bytes = new Uint8Array(this.partsBytes + last.length);
      let at = 0;
      for (const p of this.parts) {
        bytes.set(p, at);
        at += p.length;
      }
      bytes.set(last, at);
    }
    this.clear();
    if (!decode) return bytes;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    return this.decoder.decode(bytes.subarray(0, end));
  }

  private clear(): void {
    this.parts = [];
    this.partsBytes = 0;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
