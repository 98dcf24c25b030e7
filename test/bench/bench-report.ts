// The main bench's printed tables: per client kind, every N side by side (direct, proxy, and their
// ratio or difference), then the idle-session cost. Pure: returns lines.
import type { IdleResult, IdleSide } from './bench-idle.js';
import type { ClientKind } from './bench-sessions.js';
import type { BlockResult } from './bench-stats.js';
import { f, formatTable } from './bench-table.js';

const CLIENT_LABEL: Record<ClientKind, string> = {
  light: 'light client (raw node:http, keep-alive, minimal SSE parsing, no schema validation)',
  sdk: 'MCP SDK client (SSEClientTransport direct, StreamableHTTPClientTransport through the proxy)',
  modern: 'light client speaking 2026-07-28 through the proxy (no session; direct: the legacy light client)',
};

const signed = (x: number | null, digits: number) => (x === null || Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);

/** One row per figure; per N three columns: direct, proxy, and the proxy's ratio or difference. */
export function blockTable(kind: ClientKind, blocks: BlockResult[], rounds: number): string[] {
  const header = ['', ...blocks.flatMap((b) => [`N=${b.n} direct`, 'proxy', 'P vs D'])];
  const sizes = ['', ...blocks.flatMap((b) => [`${b.n} x ${b.m} calls`, '', ''])];
  const row = (label: string, cells: (b: BlockResult) => [string, string, string]) => [label, ...blocks.flatMap(cells)];
  const rows = [
    header,
    sizes,
    row('calls/s', (b) => [f(b.direct.callsPerSec, 0), f(b.proxy.callsPerSec, 0), `${f(b.ratio, 2)}x`]),
    row('p50 ms', (b) => [f(b.direct.p50, 3), f(b.proxy.p50, 3), signed(b.p50AddedMs, 3)]),
    row('p99 ms', (b) => [f(b.direct.p99, 3), f(b.proxy.p99, 3), signed(diff(b.direct.p99, b.proxy.p99), 3)]),
    row('p50 ms to the handler', (b) => [f(b.direct.hopOutP50, 3), f(b.proxy.hopOutP50, 3), signed(diff(b.direct.hopOutP50, b.proxy.hopOutP50), 3)]),
    row('p50 ms back from it', (b) => [f(b.direct.hopBackP50, 3), f(b.proxy.hopBackP50, 3), signed(diff(b.direct.hopBackP50, b.proxy.hopBackP50), 3)]),
    row('proxy CPU us/call', (b) => ['-', f(b.proxy.cpuUs.proxy, 0), b.cpuRatio === null ? '-' : `${f(b.cpuRatio, 2)}x backend D`]),
    row('backend CPU us/call', (b) => [
      f(b.direct.cpuUs.backend, 0),
      f(b.proxy.cpuUs.backend, 0),
      b.backendCpuBehindProxy === null ? '-' : `${f(b.backendCpuBehindProxy, 2)}x`,
    ]),
    row('client CPU us/call', (b) => [f(b.direct.cpuUs.client, 0), f(b.proxy.cpuUs.client, 0), '']),
    row('peak RSS MB under load', (b) => [`backend ${f(b.peakRssMb.backend, 1)}`, f(b.peakRssMb.proxy, 1), '']),
    row('errors', (b) => [`${b.direct.errors}${b.direct.hitDeadline ? ' (cap)' : ''}`, `${b.proxy.errors}${b.proxy.hitDeadline ? ' (cap)' : ''}`, '']),
  ];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const padded = rows.map((r) => [r[0]!.padEnd(width), ...r.slice(1)]);
  const lines = formatTable(padded, '  ');
  // The sizes row belongs to the header, above the rule.
  const table = [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)];
  return [
    '',
    `${CLIENT_LABEL[kind]}`,
    `  direct: legacy SSE to the backend; proxy: Streamable HTTP to the proxy's /mcp, legacy SSE behind it. Fresh processes per N;`,
    `  medians of ${rounds} measured round(s) per path in ABBA order; latency client-side; CPU from /proc/<pid>/task/*/schedstat`,
    `  proxy CPU is compared with the backend's CPU direct (D); the backend's CPU under "proxy" is its own in the proxy rounds`,
    `  (what the proxy's forwarding costs the backend: the last column is its ratio to direct)`,
    ...table,
  ];
}

const kb = (x: number | null) => (x === null ? '-' : `${f(x, 1)} KB`);
const mb = (x: number | null) => (x === null ? '-' : `${f(x / 1024, 1)} MB`);

function idleRow(label: string, s: IdleSide): string[] {
  return [label, String(s.held), mb(s.baselineKb), mb(s.heldKb), kb(s.perSessionKb), String(s.errors)];
}

export function idleTable(idle: IdleResult): string[] {
  const rows = [
    ['', 'sessions', 'PSS before', 'PSS held', 'per session', 'errors'],
    idleRow('backend, direct', idle.direct),
    idleRow('proxy', idle.proxy),
    idleRow('backend behind the proxy', idle.backendBehindProxy),
  ];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  return [
    '',
    `idle sessions: ${idle.target} held open and idle, fresh processes, light client (what an idle SDK client holds: the`,
    `  GET stream; POST connections closed). PSS from /proc/<pid>/smaps_rollup after V8's memory-pressure collection;`,
    `  per session = (held - before) / sessions; "before" is read after a few warm-up sessions.${idle.openFiles === null ? '' : ` Open-file limit ${idle.openFiles}.`}`,
    ...(idle.note ? [`  NOTE: ${idle.note}`] : []),
    ...formatTable(
      rows.map((r) => [r[0]!.padEnd(width), ...r.slice(1)]),
      '  ',
    ),
  ];
}
