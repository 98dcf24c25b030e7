// `mcp-frontdoor doctor URL [--json] [--timeout MS]`: probe the URL the way real clients do, print
// the diagnosis, return the exit code (0 usable as given, 1 needs a fix or the proxy, 2 unreachable).
// main.ts loads this module only for the doctor command, so serving never pays for it.
import { diagnose } from './diagnose.js';
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
  const text = opts.json ? renderJson(diagnosis) : renderText(diagnosis);
  // Wait for the write: the caller exits the process right after, and a pipe may still hold it.
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return diagnosis.exitCode;
}
