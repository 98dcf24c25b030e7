// Which tools of a backend a route exposes (tools.allow, tools.deny: globs, deny wins) and which
// scopes a call needs (tools.scopes). Compiled once per route. Pure.
import type { ToolsConfig } from '../config/auth-schema.js';

/** `*` any run of characters, `?` one; everything else literal. Anchored. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\/-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

export class ToolPolicy {
  private readonly allow: RegExp[];
  private readonly deny: RegExp[];
  private readonly scoped: { match: RegExp; scopes: readonly string[] }[];
  /** True when some tool may be hidden: only then are tools/list answers filtered. */
  readonly restricts: boolean;
  readonly auditArguments: boolean;
  /** Every scope any tool may need, for the Protected Resource Metadata's scopes_supported (computed once: read per request). */
  readonly toolScopes: readonly string[];

  constructor(config: ToolsConfig) {
    this.allow = config.allow.map(globRegExp);
    this.deny = config.deny.map(globRegExp);
    this.scoped = Object.entries(config.scopes).map(([glob, scopes]) => ({ match: globRegExp(glob), scopes }));
    this.restricts = config.deny.length > 0 || !config.allow.includes('*');
    this.auditArguments = config.auditArguments;
    this.toolScopes = [...new Set(this.scoped.flatMap((s) => s.scopes))];
  }

  /** Listed and callable. A name that is not a string is never visible on a restricted route. */
  visible(name: unknown): boolean {
    if (!this.restricts) return true;
    if (typeof name !== 'string') return false;
    return this.allow.some((r) => r.test(name)) && !this.deny.some((r) => r.test(name));
  }

  /** Every scope a call of this tool needs (the union over the matching globs). */
  scopesFor(name: unknown): string[] {
    if (this.scoped.length === 0 || typeof name !== 'string') return [];
    const needed = new Set<string>();
    for (const s of this.scoped) if (s.match.test(name)) for (const scope of s.scopes) needed.add(scope);
    return [...needed];
  }
}
