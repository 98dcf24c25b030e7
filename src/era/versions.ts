// Which protocol revisions belong to which era. Pure data and predicates.
// MCP 2026-07-28, Versioning, Backward Compatibility with Initialization-Based Versions: revisions up
// to 2025-11-25 open with an `initialize` handshake; 2026-07-28 carries its version in every request.

/** Handshake-era revisions a session may negotiate on the Streamable HTTP face (TS SDK v1 also knows 2024-10-07). */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'] as const;

/** Per-request-era revisions the proxy serves; `server/discover` lists exactly these. */
export const MODERN_VERSIONS = ['2026-07-28'] as const;

export function isModernVersion(v: unknown): boolean {
  return typeof v === 'string' && (MODERN_VERSIONS as readonly string[]).includes(v);
}

export function isLegacyVersion(v: unknown): boolean {
  return typeof v === 'string' && (LEGACY_VERSIONS as readonly string[]).includes(v);
}
