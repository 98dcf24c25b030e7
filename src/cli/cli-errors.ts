// The two ways a command line can be wrong, each one clear line and exit code 2. Light on purpose:
// the serving process imports this without the config schema (cli/parse-isolated.ts).

/** The config (file or flags) broke a rule; one issue per line, each with its location. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The flags themselves are wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
