#!/usr/bin/env node
// Entry point: flags → config → app → listen → signals. Exit codes: 0 clean stop, 1 runtime
// failure (a backend could not be launched, the port is taken), 2 bad flags or config.
import { readFileSync, watch } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from './app.js';
import { ConfigError, UsageError } from './cli/cli-errors.js';
import { HELP } from './cli/help.js';
import { parseCliIsolated } from './cli/parse-isolated.js';
import { createLogger, type Logger } from './observability/logger.js';
import { redactUrl, redactUrlsInText } from './observability/redact-url.js';
import { startTracing } from './observability/tracing/start-tracing.js';

// V8 lets a small heap's old generation grow by a factor of up to 4 before its next full collection; a
// proxy's live heap is ~10 MB and what its requests promote is garbage, so that growth is only RSS.
// A fixed 20% growth measured 92 -> 77 MB peak RSS with 50 busy sessions at the same CPU per call
// (docs/performance.md). Set here so that `npx` and `node dist/src/main.js` get it too; a value given
// on the command line or in NODE_OPTIONS wins.
if (!`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.includes('heap-growing-percent')) v8.setFlagsFromString('--heap-growing-percent=20');

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_CONFIG = path.join(PACKAGE_ROOT, 'config/frontdoor.yaml');

async function main(): Promise<void> {
  let command;
  try {
    command = await parseCliIsolated(process.argv.slice(2), DEFAULT_CONFIG);
  } catch (e) {
    if (e instanceof ConfigError) {
      // An issue may quote the value it refuses, and that value may be a URL with a key in it.
      for (const issue of e.issues) process.stderr.write(`mcp-frontdoor: ${redactUrlsInText(issue)}\n`);
    } else if (e instanceof UsageError) {
      process.stderr.write(`mcp-frontdoor: ${redactUrlsInText(e.message)}\n`);
    } else throw e;
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command.kind === 'check' || command.kind === 'print-config' || command.kind === 'schema') {
    const cmds = await import('./cli/config-commands.js');
    if (command.kind === 'schema') {
      process.stdout.write(`${JSON.stringify(cmds.configJsonSchema(), null, 2)}\n`);
      return;
    }
    process.exit(command.kind === 'check' ? await cmds.runCheck(command.file) : await cmds.runPrintConfig(command.file, command.showSecrets));
  }
  if (command.kind === 'doctor') {
    // Loaded only here, so serving never pays for the doctor's modules.
    const { runDoctor } = await import('./cli/doctor/index.js');
    process.exit(await runDoctor(command));
  }
  if (command.kind === 'version') {
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const { config, configDir } = command;
  const log = await createLogger({ level: config.log.level, format: config.log.format });
  const tracing = await startTracing(config.observability.tracing, process.env, log);
  const app = createApp(config, log, { configDir, store: process.env.FRONTDOOR_STORE, tracing });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason: signal }, 'shutting down');
    // In-flight requests drain first, with any store (cluster.drainTimeout, 10 s by default).
    const force = setTimeout(() => process.exit(1), config.cluster.drainTimeout + 5_000);
    force.unref();
    await app.stop(`shutdown_${signal.toLowerCase()}`);
    // After the drain, so the spans of the last requests are in the final export.
    await tracing.shutdown();
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The process must survive anything one request or one backend does (issue: never crash).
  process.on('uncaughtException', (err) => log.error({ reason: 'uncaught_exception', err }, 'unexpected error (kept running)'));
  process.on('unhandledRejection', (err) => log.error({ reason: 'unhandled_rejection', err }, 'unexpected rejection (kept running)'));

  let urls: string[];
  try {
    urls = await app.start();
  } catch (e) {
    const err = e as Error & { code?: string };
    log.fatal({ reason: err.code ?? 'start_failed' }, `cannot start: ${err.message}`);
    await app.stop('start_failed').catch(() => undefined);
    log.flush();
    process.exit(1);
  }
  // The URL to give clients is printed whatever the log level (tests and scripts wait for it).
  if (command.configFile) watchConfig(command.configFile, app, log);
  log
    .child({}, { level: 'info' })
    .info({ url: urls[0], urls, backends: config.routes.map((r) => (r.backend.url ? redactUrl(r.backend.url) : `stdio: ${r.backend.command}`)) }, 'listening');
  if (process.stderr.isTTY) {
    process.stderr.write(`\nMCP endpoint${urls.length > 1 ? 's' : ''} (give this URL to your client):\n${urls.map((u) => `  ${u}`).join('\n')}\n\n`);
  }
}

/**
 * Hot reload on SIGHUP and when the config file changes. The new file is parsed with the same flags
 * and validated first; an invalid file is reported issue by issue and the running config stays.
 */
function watchConfig(file: string, app: App, log: Logger): void {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const reload = (why: string) => {
    running = running.then(async () => {
      try {
        const command = await parseCliIsolated(process.argv.slice(2), DEFAULT_CONFIG);
        if (command.kind !== 'serve') return;
        await app.reload(command.config);
      } catch (e) {
        const issues = e instanceof ConfigError ? e.issues : [(e as Error).message];
        for (const issue of issues) log.warn({ reason: 'reload_rejected', trigger: why }, issue);
        log.warn({ reason: 'reload_rejected', trigger: why, problems: issues.length }, 'config not reloaded: the running config stays');
      }
    });
  };
  process.on('SIGHUP', () => reload('sighup'));
  try {
    // Editors save by rename, so watch the directory and filter by name; debounce bursts of events.
    const dir = path.dirname(path.resolve(file));
    const base = path.basename(file);
    watch(dir, { persistent: false }, (_event, name) => {
      if (name !== base) return;
      clearTimeout(timer);
      timer = setTimeout(() => reload('file_changed'), 200);
    });
  } catch (e) {
    log.warn({ reason: 'watch_failed', err: (e as Error).message }, 'cannot watch the config file; reload with SIGHUP');
  }
}

void main();
