// Validation of a config object against the schema; every issue at once, each with a location.
import type { z } from 'zod';
import { configSchema, type Config, type ConfigInput } from './schema.js';
import { didYouMean, knownKeysAt } from './hints.js';

import { ConfigError } from '../cli/cli-errors.js';

export { ConfigError };

/** Validates an already-built object (CLI flags use this too); `where` renders a location. */
export function validateConfig(raw: unknown, where: (path: PropertyKey[], keys?: string[]) => string, earlier: string[] = []): Config {
  const parsed = configSchema.safeParse(raw as ConfigInput, { reportInput: true });
  const issues = [...earlier];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // One line per unknown key, each at its own position, with the closest allowed key.
        const known = knownKeysAt(configSchema, issue.path);
        for (const key of issue.keys) {
          const hint = didYouMean(key, known);
          const prefix = issue.path.length ? `${issue.path.join('.')}: ` : '';
          issues.push(
            `${where(issue.path, [key])}: ${prefix}unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (allowed: ${known.join(', ')})` : ''}`,
          );
        }
      } else issues.push(`${where(issue.path)}: ${describeIssue(issue)}`);
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(sortByPosition(issues));
  return Object.freeze(parsed.data) as Config;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  const prefix = path ? `${path}: ` : '';
  if (issue.code === 'invalid_type') return `${prefix}expected ${issue.expected}, got ${describeInput(issue.input)}`;
  if (issue.code === 'invalid_value' && 'values' in issue)
    return `${prefix}expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeInput(issue.input)}`;
  return `${prefix}${issue.message}`;
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  const text = JSON.stringify(input);
  return `${typeof input} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

/** File order: `file:line:col: …` lines by line and column; others keep their place at the end. */
function sortByPosition(issues: string[]): string[] {
  const pos = (s: string) => {
    const m = /:(\d+):(\d+): /.exec(s);
    return m ? Number(m[1]) * 1e6 + Number(m[2]) : Number.MAX_SAFE_INTEGER;
  };
  return issues
    .map((s, i) => ({ s, i, p: pos(s) }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map((x) => x.s);
}
