// Which tool names are label values of the request metrics (observability.metrics.toolLabels and
// maxToolLabels). A tool name is client input: a client can call any name, so a label per name would
// let one client create series without end. A name gets a label of its own only when the route's
// backend listed it in a tools/list answer, it matches toolLabels, and fewer than maxToolLabels
// names have one on the route; every other call counts under `_other`. A label once given stays (a
// series that vanished would break rate() over it). Pure.
import { globRegExp } from '../policy/tool-policy.js';
import { OTHER_LABEL } from './mcp-methods.js';

/** Listed names remembered per route, at most: a backend listing thousands of tools costs no more. */
export const MAX_LISTED_TOOLS = 4096;

/** The longest tool name the audit keeps (policy/tool-calls.ts): longer names can never match a call. */
const MAX_TOOL_NAME = 128;

export class ToolLabels {
  private readonly patterns: readonly RegExp[];
  /** Names the backend listed that match toolLabels (dropped once no label can be given any more). */
  private listed = new Set<string>();
  private readonly given = new Set<string>();

  constructor(
    globs: readonly string[],
    private readonly max: number,
  ) {
    this.patterns = globs.map(globRegExp);
  }

  /** Distinct tool labels given on the route (`_other` aside). */
  get size(): number {
    return this.given.size;
  }

  /** A backend's tools/list result went by (any session's: the backend is the route's). */
  listedIn(result: unknown): void {
    if (this.given.size >= this.max || this.patterns.length === 0) return;
    const tools = typeof result === 'object' && result !== null ? (result as { tools?: unknown }).tools : undefined;
    if (!Array.isArray(tools)) return;
    for (const tool of tools) {
      if (this.listed.size >= MAX_LISTED_TOOLS) return;
      const name = typeof tool === 'object' && tool !== null ? (tool as { name?: unknown }).name : undefined;
      if (typeof name !== 'string' || name.length > MAX_TOOL_NAME || name === OTHER_LABEL || this.listed.has(name)) continue;
      if (this.patterns.some((p) => p.test(name))) this.listed.add(name);
    }
  }

  /** The label of a call of `tool`: its name, or `_other`. */
  labelOf(tool: string | undefined): string {
    if (tool === undefined) return OTHER_LABEL;
    if (this.given.has(tool)) return tool;
    if (this.given.size >= this.max || !this.listed.has(tool)) return OTHER_LABEL;
    this.given.add(tool);
    if (this.given.size >= this.max) this.listed = new Set();
    return tool;
  }
}
