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
  /** A line was dropped for being longer than the bound; `bytes` is its length (at least the bound). */
  onOverflow?(bytes: number): void;
}

export class LineFramer {
  private readonly maxLineBytes: number;
  private readonly onOverflow: (bytes: number) => void;
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
        this.endDiscard(piece.length);
        continue;
      }
      if (this.partsBytes + piece.length > this.maxLineBytes) {
        this.discardedBytes = this.partsBytes;
        this.clear();
        this.endDiscard(piece.length);
        continue;
      }
      lines.push(this.take(piece));
    }
    return lines;
  }

  /** The stream ended: returns its last line when it had no trailing newline. */
  end(): string | undefined {
    if (this.discarding) {
      this.endDiscard(0);
      return undefined;
    }
    if (this.partsBytes === 0) return undefined;
    return this.take(new Uint8Array(0));
  }

  private hold(bytes: Uint8Array): void {
    if (this.discarding) {
      this.discardedBytes += bytes.length;
      return;
    }
    if (this.partsBytes + bytes.length > this.maxLineBytes) {
      this.discarding = true;
      this.discardedBytes = this.partsBytes + bytes.length;
      this.clear();
      return;
    }
    // Copy: the caller's buffer may be reused (stream chunks usually are not, but cheap insurance).
    this.parts.push(Uint8Array.prototype.slice.call(bytes));
    this.partsBytes += bytes.length;
  }

  private endDiscard(tailBytes: number): void {
    const total = this.discardedBytes + tailBytes;
    this.discarding = false;
    this.discardedBytes = 0;
    this.onOverflow(total);
  }

  private take(last: Uint8Array): string {
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
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    return this.decoder.decode(bytes.subarray(0, end));
  }

  private clear(): void {
    this.parts = [];
    this.partsBytes = 0;
  }
}
