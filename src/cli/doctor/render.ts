// The diagnosis as plain text for people (what answers where, the findings with their fixes, the
// verdict, then config to paste) or as JSON for scripts (the Diagnosis object as is). Pure.
import type { Diagnosis } from './diagnose.js';
import type { Severity } from './finding.js';
import { transportLabel } from './transport-findings.js';

const MARKS: Record<Severity, string> = { ok: 'ok     ', info: 'info   ', warn: 'warn   ', problem: 'PROBLEM' };
const INDENT = ' '.repeat(2 + MARKS.ok.length + 1);

export function renderJson(d: Diagnosis): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

export function renderText(d: Diagnosis): string {
  const out: string[] = [`mcp-frontdoor doctor ${d.url}${d.headers.map((h) => ` --header '${h}: [redacted]'`).join('')}`, ''];
  const width = Math.max(...d.endpoints.map((e) => e.url.length));
  const labelWidth = Math.max(...d.endpoints.map((e) => transportLabel(e.transport).length));
  out.push('Transports');
  for (const e of d.endpoints) {
    out.push(`  ${e.url.padEnd(width)}  ${transportLabel(e.transport).padEnd(labelWidth)}  ${e.detail}`);
  }
  out.push('', 'Findings');
  for (const f of d.findings) {
    out.push(`  ${MARKS[f.severity]} ${f.title}`);
    for (const line of (f.detail ?? '').split('\n').filter(Boolean)) out.push(`${INDENT}${line}`);
    if (f.fix) out.push(`${INDENT}fix: ${f.fix}`);
  }
  out.push('', `Verdict: ${d.summary} (exit ${d.exitCode})`);
  const c = d.config;
  if (c) {
    out.push('', 'Config');
    if (c.frontdoor) {
      out.push('  Run the proxy:', `    ${c.frontdoor.command}`);
      out.push('  or with a config file (mcp-frontdoor --config frontdoor.yaml):');
      for (const line of c.frontdoor.yaml.trimEnd().split('\n')) out.push(`    ${line}`);
      out.push(`  then give clients ${c.mcpUrl}`);
    }
    out.push('  Claude Code:', `    ${c.claudeCode}`);
    out.push('  VS Code (.vscode/mcp.json):', `    ${JSON.stringify(c.vscode)}`);
    out.push('  Cursor (~/.cursor/mcp.json):', `    ${JSON.stringify(c.cursor)}`);
  }
  return `${out.join('\n')}\n`;
}
