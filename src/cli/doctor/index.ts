// `mcp-frontdoor doctor URL [--json] [--timeout MS]`: probe the URL the way real clients do, print
// the diagnosis, return the exit code (0 usable as given, 1 needs a fix or the proxy, 2 unreachable).
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
}

export async function runDoctor(opts: DoctorOptions): Promise<0 | 1 | 2> {
  const probes = await runProbes(new URL(opts.url), opts.timeoutMs);
  const diagnosis = diagnose(probes);
  // Output is pasted into tickets and chats: the URL's credentials and query values stay out of it.
  const shown = redactDiagnosis(diagnosis);
  let text = opts.json ? renderJson(shown) : renderText(shown);
  if (!opts.json && redactUrl(opts.url) !== opts.url) {
    text +=
      "\nThe URL's credentials and query values are shown as [redacted]: put yours back into the config above\n(in a config file, ${ENV} references keep them out of the file).\n";
  }
  // Wait for the write: the caller exits the process right after, and a pipe may still hold it.
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return diagnosis.exitCode;
}
