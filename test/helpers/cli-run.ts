// Runs the proxy's CLI as a child process, the way users run it; for `doctor`, reads its diagnosis:
// `--json` parsed (the exit code must be the one in the JSON), or the text as printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Diagnosis } from '../../src/cli/doctor/diagnose.js';
import type { Finding } from '../../src/cli/doctor/finding.js';
import { PROXY_MAIN } from './process.js';

export interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the proxy's CLI (`check`, `print-config`, `doctor` …) to its exit, its output collected. */
export async function runCli(args: string[]): Promise<DoctorRun> {
  const child = spawn(process.execPath, [PROXY_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export function runDoctor(args: string[]): Promise<DoctorRun> {
  return runCli(['doctor', ...args]);
}

/** `doctor URL --json` (plus `extra` flags); the raw stdout is kept for searches (secrets). */
export async function doctorJson(url: string, extra: string[] = []): Promise<Diagnosis & { code: number | null; raw: string }> {
  const run = await runDoctor([url, '--json', '--timeout', '3000', ...extra]);
  assert.equal(run.stderr, '', 'nothing on stderr');
  const diagnosis = JSON.parse(run.stdout) as Diagnosis;
  assert.equal(run.code, diagnosis.exitCode, 'the exit code is the one in the JSON');
  return { ...diagnosis, code: run.code, raw: run.stdout };
}

export const ids = (d: Diagnosis, severity?: string): string[] => d.findings.filter((f) => !severity || f.severity === severity).map((f) => f.id);

export function finding(d: Diagnosis, id: string): Finding {
  const f = d.findings.find((x) => x.id === id);
  assert.ok(f, `finding ${id} in ${JSON.stringify(ids(d))}`);
  return f;
}

/** A finding's title, detail and fix as one string, for matching the facts it states. */
export const said = (f: Finding): string => [f.title, f.detail ?? '', f.fix ?? ''].join('\n');
