// Which probed path clients should use: Streamable HTTP wherever it answers (the given URL first),
// else a legacy SSE URL to put mcp-frontdoor in front of. The probes check OAuth and Host/Origin
// there, and the diagnosis judges that path. Pure.
import type { PathProbe } from './probe-results.js';

/** `paths[0]` is the given URL, so it wins ties. */
export function targetPath(paths: readonly PathProbe[]): PathProbe | undefined {
  return paths.find((p) => p.streamable.ok) ?? paths.find((p) => p.legacy?.endpoint !== undefined);
}
