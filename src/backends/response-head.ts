// What the proxy reads from the head of a backend's HTTP answer, read one way for every backend.

/** The head of an answer: node:http's response, or the POST pool's (lean-http/). */
export interface AnswerHead {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** One header as a string; a repeated header is joined as RFC 9110 §5.3 allows. */
export function headerOf(res: AnswerHead, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The media type without parameters, lowercased (`Text/Event-Stream; charset=utf-8` → `text/event-stream`). */
export function mediaType(res: AnswerHead): string {
  return String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}
