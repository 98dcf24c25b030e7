// Command-line flags → a validated Config. Any problem is one clear line and exit code 2.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { validateConfig } from '../config/validate.js';
import { ConfigError, UsageError } from './cli-errors.js';
import { DOCTOR_OWN_HEADERS, parseHeaderFlags, PROXY_OWN_HEADERS } from './header-flags.js';
import { HELP } from './help.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { parseDurationMs } from '../config/units.js';

export { HELP };

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; config: Config; configDir: string | undefined; configFile: string | undefined }
  | { kind: 'doctor'; url: string; json: boolean; timeoutMs: number; headers: Record<string, string> }
  | { kind: 'check'; file: string }
  | { kind: 'print-config'; file: string; showSecrets: boolean }
  | { kind: 'schema' };

const DOCTOR_TIMEOUT_MS = 5000;

type Section = Record<string, unknown>;
type RawOverlay = Record<string, unknown> & { listen: Section; sessions: Section; limits: Section; log: Section };

export { UsageError };

export async function parseCli(argv: string[], defaultConfigFile: string, env: NodeJS.ProcessEnv = process.env): Promise<CliCommand> {
  if (argv[0] === 'doctor') return parseDoctor(argv.slice(1));
  if (argv[0] === 'check' || argv[0] === 'print-config') return parseConfigCommand(argv[0], argv.slice(1), defaultConfigFile);
  if (argv[0] === 'schema') return { kind: 'schema' };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        backend: { type: 'string' },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'public-url': { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        'allowed-origin': { type: 'string', multiple: true },
        'idle-timeout': { type: 'string' },
        'max-body': { type: 'string' },
        header: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const configFile = values.config ?? (values.backend ? undefined : defaultConfigFile);
  const base: ConfigInput = configFile ? ((await import('../config/load.js')).loadConfigFile(configFile, env) as unknown as ConfigInput) : { routes: [] };
  const cloned = structuredClone(base) as Record<string, unknown>;
  // Flags overlay the file's sections; every section is copied so the overlay never edits the loaded file.
  const raw: RawOverlay = {
    ...cloned,
    listen: { ...(cloned.listen as Section) },
    sessions: { ...(cloned.sessions as Section) },
    limits: { ...(cloned.limits as Section) },
    log: { ...(cloned.log as Section) },
  };
  if (values.backend !== undefined) {
    const headers = parseHeaderFlags(values.header ?? [], PROXY_OWN_HEADERS, 'the proxy');
    raw.routes = [{ path: '/', backend: { transport: 'sse', url: values.backend, headers } }];
  }
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port)) throw new UsageError(`--port expects a number from 0 to 65535, got ${JSON.stringify(values.port)}`);
    raw.listen.port = Number(values.port);
  }
  if (values.host !== undefined) raw.listen.host = values.host;
  if (values['public-url'] !== undefined) raw.listen.publicUrl = values['public-url'];
  if (values['allowed-host']) raw.listen.allowedHosts = [...((raw.listen.allowedHosts as string[] | undefined) ?? []), ...values['allowed-host']];
  if (values['allowed-origin']) raw.listen.allowedOrigins = [...((raw.listen.allowedOrigins as string[] | undefined) ?? []), ...values['allowed-origin']];
  if (values['idle-timeout'] !== undefined) raw.sessions.idleTimeout = values['idle-timeout'];
  if (values['max-body'] !== undefined) raw.limits.maxBodyBytes = values['max-body'];
  if (values['log-level'] !== undefined) raw.log.level = values['log-level'];
  if (values['log-format'] !== undefined) raw.log.format = values['log-format'];

  const flagFor: Record<string, string> = {
    listen: '--host/--port',
    sessions: '--idle-timeout',
    limits: '--max-body',
    log: '--log-level/--log-format',
    routes: '--backend',
  };
  const config = validateConfig(raw, (p) => {
    const where = configFile ?? 'command line';
    return `${where} (${flagFor[String(p[0])] ?? p.join('.')})`;
  });
  if (config.routes.length === 0) throw new UsageError('give --backend URL or --config FILE (see --help)');
  return { kind: 'serve', config, configDir: configFile ? path.dirname(path.resolve(configFile)) : undefined, configFile };
}

function parseDoctor(argv: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        header: { type: 'string', short: 'H', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(`doctor: ${(e as Error).message.split('\n')[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length !== 1) throw new UsageError('doctor expects one URL, e.g. mcp-frontdoor doctor http://127.0.0.1:9121/sse');
  const url = positionals[0]!;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new UsageError(`doctor expects an http:// or https:// URL, got ${JSON.stringify(url)}`);
  const timeoutMs = values.timeout === undefined ? DOCTOR_TIMEOUT_MS : parseDurationMs(values.timeout);
  if (timeoutMs === undefined || timeoutMs < 1 || timeoutMs > 600_000)
    throw new UsageError(`--timeout expects milliseconds (or 5s, 1m) up to 10m, got ${JSON.stringify(values.timeout)}`);
  return { kind: 'doctor', url, json: values.json ?? false, timeoutMs, headers: parseHeaderFlags(values.header ?? [], DOCTOR_OWN_HEADERS, 'the doctor') };
}

export { ConfigError };

function parseConfigCommand(kind: 'check' | 'print-config', argv: string[], defaultConfigFile: string): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { config: { type: 'string' }, 'show-secrets': { type: 'boolean' } },
    }));
  } catch (e) {
    throw new UsageError(`${kind}: ${(e as Error).message.split('\n')[0]} (usage: mcp-frontdoor ${kind} --config FILE)`);
  }
  const file = values.config ?? defaultConfigFile;
  return kind === 'check' ? { kind, file } : { kind, file, showSecrets: values['show-secrets'] === true };
}
