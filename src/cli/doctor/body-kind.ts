// How a response body looks to a client that parses it. The distinction that matters is the TS
// SDK's `parseErrorResponse` (client/auth.ts): a non-2xx OAuth answer must be JSON with a string
// `error` (RFC 6749 §5.2), or Claude Code and other TS-SDK clients print "HTTP 404: Invalid OAuth
// error response: … Raw body: …" (docs/quirks.md, Claude Code). Pure.
import type { BodyKind } from './probe-results.js';

const SNIPPET_CHARS = 120;

export function bodyKindOf(contentType: string, text: string): BodyKind {
  if (contentType.includes('text/event-stream')) return 'event-stream';
  const trimmed = text.trim();
  if (trimmed === '') return 'empty';
  try {
    const value: unknown = JSON.parse(trimmed);
    const isOAuthError = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { error?: unknown }).error === 'string';
    return isOAuthError ? 'oauth-error-json' : 'json';
  } catch {
    // Not JSON, whatever the Content-Type claims.
  }
  if (contentType.includes('html') || /^<(!doctype|html|head|body)\b/i.test(trimmed)) return 'html';
  return 'text';
}

export function snippetOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
}
