// `mcp-frontdoor doctor URL [--header K:V]... [--json] [--timeout MS]`: probe the URL the way real
// clients do, print the diagnosis, return the exit code (0 clients can use the URL as is, 1 they
// need the proxy, another URL or a fix, 2 could not tell: unreachable, or refused for credentials).
// main.ts loads this module only for the doctor command, so serving never pays for it.
import { redactUrl } from '../../observability/redact-url.js';
import { diagnose } from './diagnose.js';
import { redactDiagnosis } from './redact-diagnosis.js';
import { renderJson, renderText } from './render.js';
import { runProbes } from './run-probes.js';

export interface DoctorOptions {
  url: string;
  json: boolean;
  timeoutMs: number;
  /** `--header`s, sent on every probe; their values never reach the output. */
  headers: Record<string, string>;
}

export async function runDoctor(opts: DoctorOptions): Promise<0 | 1 | 2> {
  const probes = await runProbes(new URL(opts.url), opts.timeoutMs, opts.headers);
  const diagnosis = diagnose(probes);
  // Output is pasted into tickets and chats: the URL's credentials and query values, and the header values, stay out of it.
  const shown = redactDiagnosis(diagnosis, Object.values(opts.headers));
  let text = opts.json ? renderJson(shown) : renderText(shown);
  const hidden = [
    ...(redactUrl(opts.url) !== opts.url ? ["the URL's credentials and query values"] : []),
    ...(Object.keys(opts.headers).length > 0 ? ['the --header values'] : []),
  ];
  if (!opts.json && hidden.length > 0) {
    const what = hidden.join(' and ');
    text += `\n${what[0]!.toUpperCase()}${what.slice(1)} are shown as [redacted]: put yours back into the config above\n(in a config file, \${ENV} references keep them out of the file).\n`;
  }
  // Wait for the write: the caller exits the process right after, and a pipe may still hold it.
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return diagnosis.exitCode;
}
