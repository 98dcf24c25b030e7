// The `x-mcp-header` declarations of a route's tools, learned from the `tools/list` answers that pass
// through the modern face, so that a `tools/call` can be checked against its Mcp-Param-* headers
// (MCP 2026-07-28, Streamable HTTP, Custom Headers from Tool Parameters: a server that reads the body
// MUST reject a header that is missing, extra or disagrees). Bounded: a backend listing more tools
// than the bound keeps the first ones.
import { scanParamHeaders, type ParamHeader } from '../../era/param-headers.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';

/** Tools remembered per route: enough for any real server, and a hostile list cannot grow memory. */
export const MAX_TOOLS_REMEMBERED = 4096;

export class ToolHeaders {
  private readonly byTool = new Map<string, readonly ParamHeader[]>();

  /** Records the declarations of every valid tool of a `tools/list` result. */
  learn(result: Record<string, unknown> | undefined): void {
    const tools = result?.tools;
    if (!Array.isArray(tools)) return;
    for (const t of tools) {
      const tool = asJsonObject(t);
      if (typeof tool?.name !== 'string') continue;
      const scan = scanParamHeaders(tool.inputSchema);
      const decls = scan.valid ? scan.headers : [];
      if (decls.length === 0) {
        this.byTool.delete(tool.name);
        continue;
      }
      if (!this.byTool.has(tool.name) && this.byTool.size >= MAX_TOOLS_REMEMBERED) continue;
      this.byTool.set(tool.name, decls);
    }
  }

  /** The declarations of a tool, empty when it declares none or was never listed. */
  of(tool: string): readonly ParamHeader[] {
    return this.byTool.get(tool) ?? [];
  }
}
