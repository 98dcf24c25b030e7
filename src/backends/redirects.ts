// Same-origin 307/308 redirects of a backend POST, which both HTTP transports follow: Starlette
// answers `/messages` with a redirect to `/messages/`, and servers move their endpoint. A redirect
// may move the path, never the origin: following one elsewhere would let a backend aim the proxy at
// any host (SSRF), and the backend session belongs to the backend's origin.
import { ProxyError } from '../errors/proxy-error.js';
import { safeUrl } from '../observability/logger.js';
import type { AnswerHead } from './response-head.js';

/** Redirects followed for one message at most. */
export const MAX_REDIRECTS = 3;

/**
 * Where a redirecting answer sends the POST next, or undefined when the answer is not a redirect to
 * follow (the caller drains the body). Throws for a redirect to another origin.
 */
export function redirectTarget(res: AnswerHead, from: URL, origin: string, hop: number): URL | undefined {
  const location = res.headers.location;
  if ((res.status !== 307 && res.status !== 308) || typeof location !== 'string' || hop >= MAX_REDIRECTS) return undefined;
  const next = new URL(location, from);
  if (next.origin !== origin) {
    throw new ProxyError('ERR_BACKEND_PROTOCOL', 'backend_redirect_other_origin', 'the backend redirected a POST to another origin; not followed', {
      detail: `${safeUrl(from)} → ${safeUrl(next)}`,
    });
  }
  return next;
}
