// The worker side of parse-isolated.ts: parses the flags and the config file, validates them, and
// posts the command back (plain data), or the problem. It runs in an isolate of its own, so the
// schema library and the YAML parser it loads go away with it.
import { parentPort, workerData } from 'node:worker_threads';
import { parseCli } from './args.js';
import { ConfigError, UsageError } from './cli-errors.js';
import type { ParseOutcome } from './parse-isolated.js';

const { argv, defaultConfigFile } = workerData as { argv: string[]; defaultConfigFile: string };
let outcome: ParseOutcome;
try {
  outcome = { command: await parseCli(argv, defaultConfigFile) };
} catch (e) {
  if (e instanceof ConfigError) outcome = { configIssues: e.issues };
  else if (e instanceof UsageError) outcome = { usage: e.message };
  else outcome = { crash: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
parentPort!.postMessage(outcome);
