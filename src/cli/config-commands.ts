// `check`, `print-config` and `schema`: the config file without starting anything.
import { stringify } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from '../config/schema.js';
import type { AuthConfig } from '../config/auth-schema.js';
import { ConfigError } from '../config/validate.js';
import { redactUrl, redactUrlsInText } from '../observability/redact-url.js';

/** Validates a file. Exit 0 when valid; 1 with every problem listed when not. */
export async function runCheck(file: string): Promise<number> {
  const { loadConfigFile } = await import('../config/load.js');
  try {
    const config = loadConfigFile(file);
    process.stdout.write(`${file}: ok, ${config.routes.length} route${config.routes.length === 1 ? '' : 's'}\n`);
    for (const r of config.routes) {
      const target =
        r.backend.transport === 'stdio' ? `${r.backend.command} ${r.backend.args.map(redactUrl).join(' ')}`.trim() : redactUrl(r.backend.url ?? '');
      process.stdout.write(`  ${r.path === '/' ? '/mcp' : `${r.path}/mcp`} → ${r.backend.transport} ${target} (${r.backend.share}, auth ${r.auth.mode})\n`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) process.stderr.write(`${redactUrlsInText(issue)}\n`);
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
    for (const issue of e.issues) process.stderr.write(`${redactUrlsInText(issue)}\n`);
    return 1;
  }
}

/**
 * Header and env values often hold interpolated secrets, and URLs carry them in their userinfo and
 * query (API keys of legacy SSE servers, a Redis password): shown only with --show-secrets.
 */
export function redact(config: Config): Config {
  const hide = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).map((k) => [k, '[redacted]']));
  const url = <T extends string | undefined>(u: T): T => (u === undefined ? u : (redactUrl(u) as T));
  return {
    ...config,
    listen: { ...config.listen, publicUrl: url(config.listen.publicUrl) },
    store: redactUrl(config.store),
    cluster: { ...config.cluster, advertise: url(config.cluster.advertise) },
    mrtr: config.mrtr.stateSecret === undefined ? config.mrtr : { ...config.mrtr, stateSecret: '[redacted]' },
    observability: { ...config.observability, tracing: { ...config.observability.tracing, endpoint: url(config.observability.tracing.endpoint) } },
    routes: config.routes.map((r) => ({
      ...r,
      backend: { ...r.backend, url: url(r.backend.url), args: r.backend.args.map(redactUrl), headers: hide(r.backend.headers), env: hide(r.backend.env) },
      auth: redactAuth(r.auth),
    })),
  };
}

/** API keys and the introspection client secret are secrets; the rest of `auth` is not. */
function redactAuth(auth: AuthConfig): AuthConfig {
  if (auth.mode === 'apiKey') return { ...auth, keys: auth.keys.map(() => '[redacted]') };
  if (auth.mode === 'oauth' && auth.introspection) return { ...auth, introspection: { ...auth.introspection, clientSecret: '[redacted]' } };
  return auth;
}

/** The JSON Schema of the config file, generated from the zod schema (config/frontdoor.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://github.com/mcp-frontdoor/mcp-frontdoor/config/frontdoor.schema.json',
    title: 'mcp-frontdoor config',
  };
}
