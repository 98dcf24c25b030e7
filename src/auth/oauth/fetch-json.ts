// One JSON document from the authorization server (metadata, JWKS, introspection), bounded in time
// and size: the proxy trusts its configured issuer's content, not its availability or its manners.
import type { BackendHttpClient } from '../../backends/http-client.js';
import { readMessageBody } from '../../backends/http-client.js';
import { mediaType } from '../../backends/response-head.js';

/** Metadata and key sets are small; an answer this large is a misconfiguration or an attack. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export class FetchJsonError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FetchJsonOptions {
  http: BackendHttpClient;
  timeoutMs: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** GETs (or POSTs) `url` and parses a JSON object; rejects with FetchJsonError on anything else. */
export async function fetchJson(url: URL, o: FetchJsonOptions): Promise<Record<string, unknown>> {
  // The whole exchange, body included, has the deadline (the client's own covers only the headers).
  const signal = AbortSignal.timeout(o.timeoutMs);
  let text: string;
  let status: number;
  try {
    const res = await o.http.request(url, {
      method: o.method ?? 'GET',
      headers: { accept: 'application/json', ...o.headers },
      body: o.body,
      timeoutMs: o.timeoutMs,
      signal,
    });
    status = res.status;
    if (status !== 200) {
      res.body.resume();
      throw new FetchJsonError(`${url.href} answered HTTP ${status}`, status);
    }
    const type = mediaType(res);
    if (type !== 'application/json' && !type.endsWith('+json')) {
      res.body.resume();
      throw new FetchJsonError(`${url.href} answered ${type || 'no content type'}, not JSON`, status);
    }
    text = await readMessageBody(res.body, MAX_DOCUMENT_BYTES);
  } catch (e) {
    if (e instanceof FetchJsonError) throw e;
    throw new FetchJsonError(`${url.href}: ${signal.aborted ? `no answer within ${o.timeoutMs} ms` : (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FetchJsonError(`${url.href} answered malformed JSON`, status);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new FetchJsonError(`${url.href} answered JSON that is not an object`, status);
  return parsed as Record<string, unknown>;
}
