// `check`, `print-config` and `schema`: the config file without starting anything.
import { stringify } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from '../config/schema.js';
import { ConfigError } from '../config/validate.js';

/** Validates a file. Exit 0 when valid; 1 with every problem listed when not. */
export async function runCheck(file: string): Promise<number> {
  const { loadConfigFile } = await import('../config/load.js');
  try {
    const config = loadConfigFile(file);
    process.stdout.write(`${file}: ok, ${config.routes.length} route${config.routes.length === 1 ? '' : 's'}\n`);
    for (const r of config.routes) {
      const target = r.backend.transport === 'stdio' ? `${r.backend.command} ${r.backend.args.join(' ')}`.trim() : r.backend.url;
      process.stdout.write(`  ${r.path === '/' ? '/mcp' : `${r.path}/mcp`} → ${r.backend.transport} ${target} (${r.backend.share})\n`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) process.stderr.write(`${issue}\n`);
    process.stderr.write(`${file}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}\n`);
    return 1;
  }
}

/** Prints the normalized config (defaults applied, durations in ms, sizes in bytes) as YAML. */
export async function runPrintConfig(file: string, showSecrets: boolean): Promise<number> {
  const { loadConfigFile } = await import('../config/load.js');
  try {
    process.stdout.write(stringify(showSecrets ? loadConfigFile(file) : redact(loadConfigFile(file))));
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) process.stderr.write(`${issue}\n`);
    return 1;
  }
}

/** Header and env values often hold interpolated secrets: shown only with --show-secrets. */
export function redact(config: Config): Config {
  const hide = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).map((k) => [k, '[redacted]']));
  return { ...config, routes: config.routes.map((r) => ({ ...r, backend: { ...r.backend, headers: hide(r.backend.headers), env: hide(r.backend.env) } })) };
}

/** The JSON Schema of the config file, generated from the zod schema (config/frontdoor.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://github.com/mcp-frontdoor/mcp-frontdoor/config/frontdoor.schema.json',
    title: 'mcp-frontdoor config',
  };
}
