// Reads Server-Sent Events from a fetch() response, for raw legacy-face clients in tests.
import type { Wire } from './wire.js';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  /** The next event (comments skipped); rejects after timeoutMs. */
  async next(timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.search(/\r?\n\r?\n/);
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const lines = block.split(/\r?\n/).filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const event =
          lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim() ?? 'message';
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        const id = lines
          .find((l) => l.startsWith('id:'))
          ?.slice(3)
          .trim();
        return id === undefined ? { event, data } : { event, data, id };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for an SSE event');
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out waiting for an SSE event')), left))),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error('the SSE stream ended');
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next JSON-RPC message event, parsed. */
  async message(timeoutMs?: number): Promise<Wire> {
    for (;;) {
      const ev = await this.next(timeoutMs);
      if (ev.event === 'message') return JSON.parse(ev.data);
    }
  }

  cancel(): void {
    void this.reader.cancel().catch(() => undefined);
  }
}

/** Opens a legacy SSE stream and returns the reader and the resolved endpoint URL. */
export async function openLegacy(sseUrl: string, headers: Record<string, string> = {}): Promise<{ reader: SseReader; endpoint: string; rawEndpoint: string }> {
  const res = await fetch(sseUrl, { headers: { accept: 'text/event-stream', ...headers } });
  if (res.status !== 200) throw new Error(`GET ${sseUrl} answered ${res.status}`);
  const reader = new SseReader(res);
  const first = await reader.next();
  if (first.event !== 'endpoint') throw new Error(`first event was ${first.event}`);
  return { reader, rawEndpoint: first.data, endpoint: new URL(first.data, sseUrl).href };
}
