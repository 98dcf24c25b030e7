// What today's clients do with a URL, in the words the findings use. Observed with Claude Code
// 2.1.330 against real servers (issue 12 of this project); the rest is from docs/quirks.md. One
// place, so that a newer client's behaviour changes one file. Pure.

export const CLAUDE_CODE = 'Claude Code 2.1.330';

/** The given path ends in `/sse`: Claude Code's `http` mode tries Streamable HTTP there, then SSE. */
export function endsInSse(path: string): boolean {
  return /\/sse\/?$/.test(path);
}

/** What Claude Code does when given a legacy SSE URL, by the mode the user picks. */
export function claudeCodeAtLegacySse(path: string): string {
  return endsInSse(path)
    ? `${CLAUDE_CODE} (claude mcp add --transport http) falls back to SSE by itself at this /sse URL and connects, in its SSE mode`
    : `${CLAUDE_CODE} connects with claude mcp add --transport sse (its deprecated SSE mode)`;
}

/** Clients that speak only Streamable HTTP, with no fallback (docs/quirks.md, n8n and SDK clients). */
export const NO_SSE_FALLBACK =
  "clients without an SSE fallback fail: n8n's MCP Client Tool set to HTTP Streamable, and scripts on an SDK's Streamable HTTP client";

/** A bare origin that is not an MCP endpoint. */
export const CLAUDE_CODE_AT_BARE_ROOT = `${CLAUDE_CODE} given this URL fails with "MCP endpoint not found"`;

/** docs/quirks.md, Claude Code: the refusals that make it start OAuth discovery. */
export const CLAUDE_CODE_NEEDS_AUTH =
  'Claude Code marks a server "needs authentication" on a 401, or a 403 without WWW-Authenticate, and starts OAuth discovery';
