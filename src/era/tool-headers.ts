// The `x-mcp-header` parameters of a server's tools, learnt from its tools/list answers (MCP 2026-07-28,
// Streamable HTTP, Custom Headers from Tool Parameters). Two uses: a modern backend's channel sends a
// handshake-era client's tools/call with the Mcp-Param-* headers the backend checks (one per channel),
// and the modern face checks a modern client's headers against a legacy backend's tools (one per route).
// Bounded: a server listing more tools keeps the first ones.
import { scanParamHeaders, type ParamHeader } from './param-headers.js';
import { asJsonObject } from '../jsonrpc/json-object.js';

/** Tools remembered per channel: a backend listing more is not a server a client could use either. */
export const MAX_TOOLS_REMEMBERED = 4096;

export class ToolHeaders {
  private readonly byTool = new Map<string, readonly ParamHeader[]>();
  /** A tools/list answer was seen: a tool not in the table declares nothing. */
  listed = false;

  /** Reads one page of a tools/list result; returns the problems of tools whose declarations are invalid. */
  learn(result: Record<string, unknown> | undefined): string[] {
    if (result === undefined) return [];
    this.listed = true;
    const problems: string[] = [];
    const tools = Array.isArray(result.tools) ? result.tools : [];
    for (const item of tools) {
      const tool = asJsonObject(item);
      if (typeof tool?.name !== 'string') continue;
      const scan = scanParamHeaders(tool.inputSchema);
      if (!scan.valid) problems.push(`${tool.name}: ${scan.problems.join('; ')}`);
      if (scan.headers.length === 0) {
        this.byTool.delete(tool.name);
      } else if (this.byTool.size < MAX_TOOLS_REMEMBERED || this.byTool.has(tool.name)) {
        this.byTool.set(tool.name, scan.headers);
      }
    }
    return problems;
  }

  of(tool: unknown): readonly ParamHeader[] {
    return typeof tool === 'string' ? (this.byTool.get(tool) ?? []) : [];
  }
}
