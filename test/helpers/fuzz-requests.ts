// Random HTTP requests for the fuzz test: method, path, headers and body, over the proxy's faces,
// its OAuth and health endpoints and paths nobody should serve, with valid, garbage and
// wrong-route sessions. Only what node:http will put on the wire (it refuses control characters in
// header values and paths outside \x21-\xff). Pure.
import { generateBody, type FuzzBody } from './fuzz-bodies.js';
import { generateModernRequest } from './fuzz-modern.js';
import type { Rng } from './prng.js';

/** Sessions the fuzzer may name, per route prefix ("/" and "/b"). */
export interface FuzzSessions {
  /** Streamable HTTP sessions by route prefix. */
  mcp: Record<'/' | '/b', readonly string[]>;
  /** Legacy-face sessions of route "/" (their SSE streams stay open during the run). */
  legacy: readonly string[];
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: FuzzBody | undefined;
  /** The session named as valid for the route the path belongs to, if any (to notice it died). */
  validSession: { face: 'mcp' | 'legacy'; route: '/' | '/b'; id: string } | undefined;
}

type Route = '/' | '/b';

const METHODS = [
  [40, 'POST'],
  [18, 'GET'],
  [10, 'DELETE'],
  [5, 'PUT'],
  [5, 'PATCH'],
  [12, 'OPTIONS'],
  [10, 'HEAD'],
] as const;

const GARBAGE_ID_ALPHABET = 'abcdef0123456789-_~!$.';
const PATH_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-._~%/!$&'()*+,;=:@";

function garbageSession(rng: Rng): string {
  return rng.weighted<() => string>([
    [6, () => rng.string(rng.int(1, 40), GARBAGE_ID_ALPHABET)],
    [2, () => '00000000-0000-0000-0000-000000000000'],
    [1, () => 'x'.repeat(rng.int(200, 4_000))],
    [1, () => rng.string(rng.int(1, 20))],
  ])();
}

/** Which route a path belongs to, and which face (for sessions); undefined for the rest. */
function pathFor(rng: Rng, s: FuzzSessions): { path: string; route: Route | undefined; face: 'mcp' | 'legacy' | undefined; usedLegacy?: string } {
  const route: Route = rng.chance(0.8) ? '/' : '/b';
  const p = route === '/' ? '' : '/b';
  const legacyId = (): { id: string; valid: boolean } => {
    const valid = s.legacy.length > 0 && rng.chance(0.6);
    if (valid && route === '/') return { id: rng.pick(s.legacy), valid: true };
    const other = s.mcp['/'];
    return { id: other.length > 0 && rng.chance(0.3) ? rng.pick(other) : garbageSession(rng), valid: false };
  };
  return rng.weighted<() => ReturnType<typeof pathFor>>([
    [35, () => ({ path: `${p}/mcp`, route, face: 'mcp' })],
    [3, () => ({ path: `${p}/mcp/`, route, face: 'mcp' })],
    [3, () => ({ path: `/${p}/mcp`, route, face: 'mcp' })],
    [2, () => ({ path: `${p}/`, route, face: 'mcp' })],
    [8, () => ({ path: `${p}/sse`, route, face: 'mcp' })],
    [
      12,
      () => {
        const { id, valid } = legacyId();
        const key = rng.chance(0.8) ? 'sessionId' : 'session_id';
        const tail = rng.pick(['/messages', '/messages/', '/message']);
        return { path: `${p}${tail}?${key}=${encodeURIComponent(id)}`, route, face: 'legacy', ...(valid ? { usedLegacy: id } : {}) };
      },
    ],
    [2, () => ({ path: `${p}/message`, route: undefined, face: undefined })],
    [2, () => ({ path: `${p}/messages?sessionId=`, route: undefined, face: undefined })],
    [
      2,
      () => ({
        path: rng.pick([
          '/.well-known/oauth-protected-resource',
          `/.well-known/oauth-protected-resource${p}/mcp`,
          '/.well-known/oauth-protected-resource/mcp/../../metrics',
        ]),
        route: undefined,
        face: undefined,
      }),
    ],
    [
      2,
      () => ({
        path: rng.pick([
          '/.well-known/oauth-authorization-server',
          '/.well-known/openid-configuration',
          '/.well-known/oauth-authorization-server/../../_stats',
          '/.well-known/oauth-authorization-server/%2e%2e/%2e%2e/_stats',
        ]),
        route: undefined,
        face: undefined,
      }),
    ],
    [
      3,
      () => ({
        path: rng.pick(['/register', '/token', '/authorize', '/authorize?response_type=code&client_id=x', `${p}/register`]),
        route: undefined,
        face: undefined,
      }),
    ],
    [3, () => ({ path: rng.pick(['/healthz', '/readyz', '/metrics', '/healthz?x=1']), route: undefined, face: undefined })],
    [4, () => ({ path: `/${rng.string(rng.int(0, 40), PATH_ALPHABET)}`, route: undefined, face: undefined })],
    [
      4,
      () => ({
        path: rng.pick([
          '/a/../mcp',
          '/./mcp',
          '/%2e%2e/mcp',
          '/%2E%2E/%2e%2e/sse',
          '/mcp/%2e%2e/sse',
          '/mcp/..',
          '/b/../mcp',
          '/%2fmcp',
          '/m%63p',
          '/mcp%00',
          '/..;/mcp',
          '/%5c..%5cmcp',
        ]),
        route: undefined,
        face: undefined,
      }),
    ],
    [2, () => ({ path: `/${'a/'.repeat(rng.int(500, 9_000))}mcp`, route: undefined, face: undefined })],
    [1, () => ({ path: rng.pick(['*', '/\u00e9', '/mcp?' + 'q='.repeat(2_000)]), route: undefined, face: undefined })],
  ])();
}

function originHeader(rng: Rng, port: number): string | undefined {
  return rng.weighted<() => string | undefined>([
    [80, () => undefined],
    [8, () => `http://127.0.0.1:${port}`],
    [4, () => `http://localhost:${port}`],
    [4, () => 'http://localhost:5173'],
    [3, () => `http://[::1]:${port}`],
    [8, () => 'http://evil.example'],
    [6, () => `http://evil.example:${port}`],
    [4, () => 'null'],
    [3, () => 'https://mcp.example.com'],
    [5, () => rng.string(rng.int(0, 30))],
  ])();
}

function hostHeader(rng: Rng, port: number): string | undefined {
  return rng.weighted<() => string | undefined>([
    [90, () => undefined], // node:http sends 127.0.0.1:<port>
    [6, () => `localhost:${port}`],
    [3, () => `[::1]:${port}`],
    [5, () => `evil.example:${port}`],
    [3, () => 'evil.example'],
    [3, () => '10.1.2.3:8080'],
    [4, () => rng.string(rng.int(0, 30))],
    [1, () => `${'h'.repeat(rng.int(1_000, 6_000))}:${port}`],
    [5, () => ''],
  ])();
}

/**
 * Share of 2026-07-28 requests (fuzz-modern.ts). Kept modest: a modern request that passes the ladder
 * reaches the backend over a seat, so it costs more on average than the handshake-era mix, most of
 * which the edge refuses.
 */
const MODERN_SHARE = 0.12;

export function generateRequest(rng: Rng, port: number, s: FuzzSessions): FuzzRequest {
  if (rng.chance(MODERN_SHARE)) {
    const route: Route = rng.chance(0.8) ? '/' : '/b';
    const m = generateModernRequest(rng, route, s.mcp[route]);
    if (m.body && rng.chance(0.9)) m.headers['content-length'] = String(m.body.bytes.length);
    return { method: 'POST', ...m, validSession: undefined };
  }
  const method = rng.weighted(METHODS);
  const where = pathFor(rng, s);
  const headers: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) headers[name] = value;
  };

  set(
    'content-type',
    rng.weighted([
      [55, 'application/json'],
      [8, undefined],
      [6, 'text/plain'],
      [6, 'application/json; charset=utf-16'],
      [5, 'application/json; charset=utf-8'],
      [4, 'APPLICATION/JSON'],
      [4, 'multipart/form-data; boundary=x'],
      [6, rng.string(rng.int(0, 20))],
    ] as const),
  );
  set(
    'accept',
    rng.weighted([
      [45, 'application/json, text/event-stream'],
      [10, undefined],
      [10, 'application/json'],
      [10, 'text/event-stream'],
      [6, '*/*'],
      [5, 'text/html'],
      [4, ''],
      [4, rng.string(rng.int(1, 30))],
    ] as const),
  );
  set(
    'mcp-protocol-version',
    rng.weighted<() => string | undefined>([
      [45, () => undefined],
      [35, () => rng.pick(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'])],
      [12, () => rng.string(rng.int(0, 20))],
      [3, () => 'v'.repeat(rng.int(1_000, 8_000))],
      [5, () => '2024-10-07'],
    ])(),
  );

  let validSession: FuzzRequest['validSession'];
  if (where.face === 'legacy' && where.usedLegacy && where.route) validSession = { face: 'legacy', route: where.route, id: where.usedLegacy };
  if (where.face !== undefined || rng.chance(0.2)) {
    const route = where.route ?? '/';
    const other: Route = route === '/' ? '/b' : '/';
    const sessionHeader = rng.weighted<() => string | undefined>([
      [30, () => undefined],
      [
        40,
        () => {
          const pool = s.mcp[route];
          if (pool.length === 0) return undefined;
          const id = rng.pick(pool);
          if (where.face === 'mcp') validSession = { face: 'mcp', route, id };
          return id;
        },
      ],
      [10, () => garbageSession(rng)],
      [10, () => (s.mcp[other].length > 0 ? rng.pick(s.mcp[other]) : undefined)], // another route's session
      [5, () => (s.legacy.length > 0 ? rng.pick(s.legacy) : undefined)],
      [5, () => ''],
    ])();
    set('mcp-session-id', sessionHeader);
  }
  if (rng.chance(0.1))
    set(
      'last-event-id',
      rng.weighted<() => string>([
        [3, () => rng.string(rng.int(0, 60))],
        [2, () => `${rng.int(0, 9)}:${rng.int(0, 1e6)}`],
        [1, () => String(-1)],
      ])(),
    );
  if (rng.chance(0.1))
    set('authorization', rng.pick(['Bearer junk', 'Bearer ', 'Basic Zm9vOmJhcg==', rng.string(rng.int(0, 40)), `Bearer ${'t'.repeat(3_000)}`]));
  set('origin', originHeader(rng, port));
  set('host', hostHeader(rng, port));
  if (rng.chance(0.05)) set('x-forwarded-prefix', rng.pick(['/base', '//evil.example', '/a/../b', 'http://evil.example/x', '/%2e%2e', rng.string(10)]));
  if (rng.chance(0.05)) set('x-forwarded-for', rng.pick(['10.0.0.1', '1.1.1.1, 127.0.0.1', rng.string(15)]));
  if (method === 'OPTIONS' && rng.chance(0.7)) {
    set('access-control-request-method', rng.pick(['POST', 'GET', 'DELETE', 'PUT']));
    set('access-control-request-headers', rng.pick(['content-type, mcp-session-id', 'x-evil', '']));
  }

  const wantsBody = method === 'POST' || method === 'PUT' || method === 'PATCH' ? rng.chance(0.97) : rng.chance(0.05);
  const body = wantsBody ? generateBody(rng) : undefined;
  // Most bodies declare their length; the rest go chunked (node:http's default without it).
  if (body && rng.chance(0.85)) headers['content-length'] = String(body.bytes.length);
  return { method, path: where.path, headers, body, validSession };
}

/** One line describing a request, for failure messages (long parts shortened). */
export function describeRequest(r: FuzzRequest): string {
  const short = (v: string) => (v.length > 160 ? `${v.slice(0, 120)}…(${v.length} chars)` : v);
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${short(JSON.stringify(v))}`)
    .join('; ');
  const body = r.body ? `${r.body.kind} ${r.body.bytes.length}B ${short(JSON.stringify(r.body.bytes.subarray(0, 200).toString('latin1')))}` : 'no body';
  return `${r.method} ${short(r.path)} [${headers}] ${body}`;
}
