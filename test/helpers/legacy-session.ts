// A raw legacy-face (2024-11-05) session over an http-stream: GET /sse, the endpoint event, then
// initialize and notifications/initialized POSTed to it; answers are read from the stream.
import { openStream, type HttpStream } from './http-stream.js';
import type { Wire } from './wire.js';

export interface LegacySession {
  stream: HttpStream;
  /** The absolute URL of the session's POST endpoint. */
  endpoint: string;
  /** POSTs one message; resolves with the HTTP status. */
  send(message: Record<string, unknown>): Promise<number>;
  /** The response with `id` on the stream. */
  answer(id: number, timeoutMs?: number): Promise<Wire>;
}

export async function openLegacySession(origin: string, prefix = ''): Promise<LegacySession> {
  const sseUrl = `${origin}${prefix}/sse`;
  const stream = await openStream(sseUrl);
  if (stream.status !== 200) throw new Error(`GET ${sseUrl} answered ${stream.status}`);
  const first = await stream.waitForEvent(() => true);
  if (first.event !== 'endpoint') throw new Error(`first event was ${first.event}`);
  const endpoint = new URL(first.data, sseUrl).href;
  const send = async (message: Record<string, unknown>) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
    await res.text();
    return res.status;
  };
  const answer = async (id: number, timeoutMs = 10_000) => {
    const ev = await stream.waitForEvent(
      (e) => e.event === 'message' && e.data.includes(`"id":${id}`) && (JSON.parse(e.data) as { id?: unknown }).id === id,
      timeoutMs,
    );
    return JSON.parse(ev.data);
  };
  const init = await send({
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw-legacy', version: '1.0.0' } },
  });
  if (init !== 202) throw new Error(`initialize POST answered ${init}`);
  await answer(0);
  await send({ method: 'notifications/initialized' });
  return { stream, endpoint, send, answer };
}
