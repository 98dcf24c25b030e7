// What the proxy reads from the head of a backend's HTTP answer, read one way for every backend.
import type { BackendResponse } from './http-client.js';

/** One header as a string; a repeated header is joined as RFC 9110 §5.3 allows. */
export function headerOf(res: BackendResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The media type without parameters, lowercased (`Text/Event-Stream; charset=utf-8` → `text/event-stream`). */
export function mediaType(res: BackendResponse): string {
  return String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}
