// Parses the command line and the config in a worker thread. The config schema (zod) and the YAML
// parser are ~12 MB of heap once loaded, and a loaded module is never unloaded: in the serving
// process they would be held for ever to be used once at start and once per reload. In a worker they
// leave with its isolate (measured: 15.8 MB of anonymous memory in-process, 3.3 MB after the worker
// ends; docs/performance.md). The price is the worker's start, ~60 ms, at start-up and each reload.
import { Worker } from 'node:worker_threads';
import type { CliCommand } from './args.js';
import { ConfigError, UsageError } from './cli-errors.js';

/** What the worker posts back: the command, or why there is none. */
export type ParseOutcome = { command: CliCommand } | { configIssues: string[] } | { usage: string } | { crash: string };

export async function parseCliIsolated(argv: string[], defaultConfigFile: string): Promise<CliCommand> {
  const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: { argv, defaultConfigFile } });
  const outcome = await new Promise<ParseOutcome>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the config parser exited (code ${code}) without an answer`)));
  });
  void worker.terminate();
  if ('command' in outcome) return outcome.command;
  if ('configIssues' in outcome) throw new ConfigError(outcome.configIssues);
  if ('usage' in outcome) throw new UsageError(outcome.usage);
  throw new Error(outcome.crash);
}
