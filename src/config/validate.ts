// Validation of a config object against the schema; every issue at once, each with a location.
import type { z } from 'zod';
import { configSchema, type Config, type ConfigInput } from './schema.js';

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Validates an already-built object (CLI flags use this too); `where` renders a location. */
export function validateConfig(
  raw: unknown,
  where: (path: PropertyKey[], keys?: string[]) => string,
  earlier: string[] = [],
): Config {
  const parsed = configSchema.safeParse(raw as ConfigInput);
  const issues = [...earlier];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(`${where(issue.path, unknownKeys(issue))}: ${describeIssue(issue)}`);
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  return Object.freeze(parsed.data) as Config;
}

function unknownKeys(issue: z.core.$ZodIssue): string[] | undefined {
  return issue.code === 'unrecognized_keys' ? issue.keys : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  const prefix = path ? `${path}: ` : '';
  if (issue.code === 'unrecognized_keys') return `${prefix}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type') return `${prefix}expected ${issue.expected}`;
  return `${prefix}${issue.message}`;
}

