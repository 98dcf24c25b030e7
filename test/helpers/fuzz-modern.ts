// Random 2026-07-28 ("modern") requests for the fuzz test: the per-request `_meta` envelope (valid,
// wrong types, unknown versions), random or missing MCP-Protocol-Version / Mcp-Method / Mcp-Name
// headers, client capabilities of every shape (some over the 4 KB bound), server/discover,
// subscriptions/listen with random filters, tools/call with random requestState and inputResponses.
// Most requests are well formed at the HTTP level, so that they reach the modern face. Pure.
import type { FuzzBody } from './fuzz-bodies.js';
import type { Rng } from './prng.js';

export const MODERN_VERSION = '2026-07-28';

const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';
const META_INFO = 'io.modelcontextprotocol/clientInfo';
const META_LOG = 'io.modelcontextprotocol/logLevel';

/**
 * Few identities on purpose: each new one costs a seat (a backend handshake). Random capabilities
 * (a new identity each) are rare, and the fuzz proxy's `sessions.seats.max` is low, so past it a new
 * identity costs a 503 and nothing else.
 */
const CLIENT_NAMES = ['fuzz-modern-a', 'fuzz-modern-b'];

/**
 * Tools of the legacy-sse fixture. `elicit` asks for input: with `elicitation` declared it becomes a
 * held call (the fuzz proxy's `mrtr.holdTimeout` is short), without it the call fails with -32021.
 */
const TOOLS = ['echo', 'echo', 'add', 'whoami', 'fail', 'elicit', 'no_such_tool'];

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function capabilities(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [40, () => ({})],
    [25, () => ({ elicitation: {} })],
    [10, () => ({ sampling: {}, roots: { listChanged: true } })],
    // A new identity each time: rare (each costs a seat until sessions.seats.max is reached).
    [3, () => ({ experimental: { [rng.string(rng.int(1, 12), B64URL)]: { v: rng.int(0, 1e6) } } })],
    [3, () => ({ experimental: { blob: 'c'.repeat(rng.int(4_100, 9_000)) } })], // over the 4 KB bound
    [2, () => ({ elicitation: rng.pick([true, 'yes', [], null, 1]) })],
    [5, () => rng.pick(['caps', 1, [], null, true])],
  ])();
}

function versionMeta(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [78, () => MODERN_VERSION],
    [5, () => rng.pick([20260728, null, true, ['2026-07-28'], { v: MODERN_VERSION }])],
    [7, () => rng.pick(['2027-01-01', '2026-07-29', '2025-11-25', 'DRAFT-2026-v1', ''])],
    [4, () => rng.string(rng.int(1, 30))],
    [1, () => 'v'.repeat(rng.int(1_000, 6_000))],
    [5, () => undefined],
  ])();
}

function meta(rng: Rng): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  const version = versionMeta(rng);
  if (version !== undefined) m[META_VERSION] = version;
  if (rng.chance(0.95)) m[META_CAPS] = capabilities(rng);
  if (rng.chance(0.93))
    m[META_INFO] = rng.weighted<() => unknown>([
      [90, () => ({ name: rng.pick(CLIENT_NAMES), version: '1.0.0' })],
      [10, () => rng.pick([{ name: 1 }, 'client', null, { name: 'x'.repeat(2_000), version: '1' }])],
    ])();
  if (rng.chance(0.15)) m[META_LOG] = rng.pick(['debug', 'info', 'emergency', 'loud', 3]);
  if (rng.chance(0.05)) m.progressToken = rng.int(0, 99);
  return m;
}

function listenFilter(rng: Rng): unknown {
  const uris = (n: number) => Array.from({ length: n }, (_, i) => rng.pick(['demo://readme', `demo://items/${i}`, rng.string(rng.int(1, 20), B64URL)]));
  return rng.weighted<() => unknown>([
    [50, () => ({ toolsListChanged: rng.chance(0.5), resourcesListChanged: rng.chance(0.5), promptsListChanged: rng.chance(0.5) })],
    [20, () => ({ resourceSubscriptions: uris(rng.int(0, 8)) })],
    [4, () => ({ resourceSubscriptions: uris(rng.pick([256, 257, 300])) })],
    [8, () => ({ toolsListChanged: rng.pick(['yes', 1, null]) })],
    [5, () => ({ resourceSubscriptions: rng.pick(['demo://readme', [1, 2], { a: 1 }, null]) })],
    [8, () => rng.pick([undefined, null, [], 'all', 7])],
    [5, () => ({ [rng.string(rng.int(1, 10), B64URL)]: true })],
  ])();
}

/** A requestState: absent mostly, else random, long, or shaped like the proxy's (never validly signed). */
function requestState(rng: Rng): unknown {
  const b64 = (n: number) => rng.string(n, B64URL);
  return rng.weighted<() => unknown>([
    [70, () => undefined],
    [8, () => rng.string(rng.int(0, 60))],
    [3, () => 's'.repeat(5_000)],
    [8, () => `fd1.${Buffer.from(JSON.stringify({ h: b64(22), r: b64(11), n: 1, m: 'tools/call', e: Date.now() + 60_000 })).toString('base64url')}.${b64(43)}`],
    [4, () => `fd1.${b64(rng.int(0, 200))}.${b64(rng.int(0, 60))}`],
    [4, () => rng.pick([1, null, true, ['fd1'], { h: 'x' }])],
    [3, () => 'fd1..'],
  ])();
}

function inputResponses(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [75, () => undefined],
    [8, () => ({ user_name: { action: 'accept', content: { name: rng.string(rng.int(0, 12)) } } })],
    [5, () => ({ elicitation_1: { action: rng.pick(['accept', 'decline', 'cancel', 'maybe']) } })],
    [5, () => ({ [rng.string(rng.int(1, 10), B64URL)]: rng.pick([12345, null, 'x', [], { action: 'accept' }]) })],
    [5, () => rng.pick([null, [], 'answers', 7])],
    [2, () => JSON.parse('{"__proto__":{"action":"accept"},"constructor":{"action":"accept"}}') as unknown],
  ])();
}

interface ModernMessage {
  body: unknown;
  /** What Mcp-Method and Mcp-Name would mirror. */
  method: string;
  name: string | undefined;
}

function message(rng: Rng): ModernMessage {
  const method = rng.weighted([
    [22, 'tools/call'],
    [18, 'server/discover'],
    [14, 'subscriptions/listen'],
    [12, 'tools/list'],
    [5, 'resources/list'],
    [5, 'resources/read'],
    [4, 'prompts/list'],
    [3, 'ping'],
    [3, 'initialize'],
    [3, 'resources/subscribe'],
    [3, 'logging/setLevel'],
    [3, 'notifications/cancelled'],
    [3, 'nope/nothing'],
  ] as const);
  const params: Record<string, unknown> = {};
  let name: string | undefined;
  if (method === 'tools/call') {
    name = rng.chance(0.95) ? rng.pick(TOOLS) : rng.string(rng.int(0, 20));
    params.name = name;
    params.arguments = rng.weighted<() => unknown>([
      [6, () => ({ text: rng.string(rng.int(0, 80)), message: 'who?' })],
      [2, () => ({ a: rng.int(-5, 5), b: rng.int(0, 5) })],
      [1, () => 'args'],
      [1, () => undefined],
    ])();
    const state = requestState(rng);
    if (state !== undefined) params.requestState = state;
    const answers = inputResponses(rng);
    if (answers !== undefined) params.inputResponses = answers;
  } else if (method === 'subscriptions/listen') {
    const filter = listenFilter(rng);
    if (filter !== undefined) params.notifications = filter;
  } else if (method === 'resources/read' || method === 'resources/subscribe') {
    name = rng.pick(['demo://readme', 'demo://items/2', 'file:///etc/passwd', rng.string(10, B64URL)]);
    params.uri = name;
    if (method === 'resources/subscribe') name = undefined;
  } else if (method === 'logging/setLevel') params.level = 'debug';
  if (rng.chance(0.97)) params._meta = meta(rng);
  const id = rng.weighted<() => unknown>([
    [85, () => rng.int(1, 1_000)],
    [8, () => rng.string(rng.int(1, 20), B64URL)],
    [4, () => undefined],
    [3, () => rng.pick([null, 1.5, { a: 1 }])],
  ])();
  const body: Record<string, unknown> = { jsonrpc: '2.0', method };
  if (id !== undefined) body.id = id;
  if (rng.chance(0.97)) body.params = rng.chance(0.97) ? params : rng.pick(['p', 1, []]);
  return { body, method, name };
}

/** One modern POST: headers and a JSON body (sometimes batched, which the revision forbids). */
export function generateModernRequest(
  rng: Rng,
  route: '/' | '/b',
  sessions: readonly string[],
): { path: string; headers: Record<string, string>; body: FuzzBody } {
  const m = message(rng);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: rng.weighted([
      [80, 'application/json, text/event-stream'],
      [8, 'application/json'],
      [8, 'text/event-stream'],
      [4, '*/*'],
    ] as const),
  };
  const version = rng.weighted<() => string | undefined>([
    [85, () => MODERN_VERSION],
    [6, () => undefined],
    [4, () => rng.pick(['2025-11-25', '2025-06-18', '2027-01-01'])],
    [4, () => rng.string(rng.int(0, 20))],
    [1, () => 'v'.repeat(rng.int(1_000, 6_000))],
  ])();
  if (version !== undefined) headers['mcp-protocol-version'] = version;
  const mcpMethod = rng.weighted<() => string | undefined>([
    [90, () => m.method],
    [4, () => undefined],
    [3, () => rng.pick(['tools/list', 'server/discover', 'TOOLS/CALL'])],
    [3, () => rng.string(rng.int(0, 30))],
  ])();
  if (mcpMethod !== undefined) headers['mcp-method'] = mcpMethod;
  const mcpName = rng.weighted<() => string | undefined>([
    [90, () => m.name],
    [4, () => undefined],
    [4, () => rng.pick(['echo', 'other', ' echo '])],
    [2, () => rng.string(rng.int(0, 200))],
  ])();
  if (mcpName !== undefined) headers['mcp-name'] = mcpName;
  if (rng.chance(0.03)) headers['mcp-param-text'] = rng.string(rng.int(0, 40));
  // A modern request ignores Mcp-Session-Id (Streamable HTTP, Backward Compatibility).
  if (sessions.length > 0 && rng.chance(0.05)) headers['mcp-session-id'] = rng.pick(sessions);
  const text = rng.chance(0.03) ? JSON.stringify([m.body]) : JSON.stringify(m.body);
  return { path: route === '/' ? '/mcp' : '/b/mcp', headers, body: { bytes: Buffer.from(text), kind: `modern ${m.method}` } };
}
