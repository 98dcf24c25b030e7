// The one source of truth for the config file: shape, defaults and docs. The TypeScript types are
// derived from it; unknown keys are errors (a typo must not silently fall back to a default).
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, httpUrl, size } from './fields.js';
import { authSchema, toolsSchema } from './auth-schema.js';
import { observabilitySchema } from './observability-schema.js';
import { isLoopbackAddress } from '../http/host-origin.js';

/** `loopback`, an IPv4/IPv6 address, or a CIDR block. */
function isTrustProxyEntry(v: string): boolean {
  if (v === 'loopback') return true;
  const [addr, bits, extra] = v.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

export const TRANSPORTS = ['sse', 'streamable-http', 'stdio'] as const;
export const SHARE_MODES = ['per-session', 'shared'] as const;
export const BACKEND_ERAS = ['auto', 'handshake', 'modern'] as const;

export const backendSchema = z
  .object({
    transport: z
      .enum(TRANSPORTS)
      .default('sse')
      .describe('how the proxy talks to the MCP server: `sse` (legacy HTTP+SSE), `streamable-http`, or `stdio` (a local process)'),
    url: httpUrl.optional().describe('the backend URL (sse: the SSE URL, e.g. http://127.0.0.1:9121/sse; streamable-http: its MCP endpoint)'),
    command: z
      .string()
      .min(1)
      .optional()
      .describe('stdio: the server program. sse/streamable-http: a program to launch before serving; the proxy waits until `url` accepts connections'),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
    headers: z.record(z.string(), z.string()).default({}).describe('headers sent on every backend request (e.g. an API key)'),
    inheritEnv: z
      .boolean()
      .default(false)
      .describe(
        "stdio and launched commands: pass the proxy's whole environment to the child. By default a child gets only HOME, LOGNAME, PATH, SHELL, TERM and USER (what the MCP SDKs pass) plus `env`, so the proxy's secrets stay out of it",
      ),
    era: z
      .enum(BACKEND_ERAS)
      .default('auto')
      .describe(
        "streamable-http: which MCP era the backend speaks. auto: send the client's initialize; a backend that refuses it as a 2026-07-28-only server does (-32022 naming only per-request revisions) is served in modern mode from then on (server/discover, per-request _meta). handshake: never switch. modern: skip the probe",
      ),
    share: z
      .enum(SHARE_MODES)
      .default('per-session')
      .describe(
        'per-session: each client session gets its own backend process or connection (isolation); shared: all sessions of the route share one (ids rewritten per session)',
      ),
    idleRelease: duration('60s').describe(
      'release the backend channel (close the SSE connection, DELETE the Streamable HTTP session, stop the stdio process) of a session with no open client stream, no request in flight and no resource subscription after this long; its next request re-opens it with the recorded initialize. A shared link is released this long after its last session left. 0: never',
    ),
    timeouts: z
      .object({
        connect: duration('10s').describe('how long opening a backend channel (and, for sse, receiving its endpoint event) may take'),
        startup: duration('30s').describe('how long a launched `command` may take to accept connections'),
      })
      .strict()
      .prefault({}),
    reconnect: z
      .object({
        initialDelay: duration('100ms'),
        maxDelay: duration('5s'),
        giveUpAfter: duration('10m').describe('close a session whose backend stays unreachable this long (0: retry for ever)'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.transport === 'stdio') {
      if (!b.command) ctx.addIssue({ code: 'custom', path: ['command'], message: 'a stdio backend needs `command` (the server program)' });
      if (b.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'a stdio backend has no `url`' });
    } else if (!b.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `a ${b.transport} backend needs \`url\`` });
    }
    if (b.era === 'modern' && b.transport !== 'streamable-http') {
      ctx.addIssue({ code: 'custom', path: ['era'], message: `era: modern needs transport: streamable-http (2026-07-28 has no ${b.transport} transport)` });
    }
  });

export const routeSchema = z
  .object({
    path: z
      .string()
      .regex(/^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/, 'expected a path prefix such as / or /tools (no trailing slash)')
      .default('/'),
    backend: backendSchema,
    repairs: z
      .object({
        handshake: z
          .boolean()
          .default(true)
          .describe('send notifications/initialized for clients that skip it, drop duplicates, and handshake for legacy clients that never send initialize'),
        paths: z
          .boolean()
          .default(true)
          .describe('serve /mcp/, doubled slashes or prefixes, POSTs to /sse or the route root as /mcp, and a session-less GET /mcp as the legacy face'),
        oauthProbes: z
          .boolean()
          .default(true)
          .describe('answer OAuth discovery (/.well-known/*, /register, /token, /authorize) with JSON 404s saying no authorization is needed'),
      })
      .strict()
      .prefault({})
      .describe('each repair is logged with a reason, counted in frontdoor_repairs_total, and can be switched off here'),
    auth: authSchema,
    tools: toolsSchema,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.auth.mode === 'passthrough' && r.backend.transport === 'stdio') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'mode'],
        message: 'auth passthrough needs an HTTP backend (sse or streamable-http); a stdio server has no OAuth endpoints',
      });
    }
    if (Object.keys(r.tools.scopes).length > 0 && r.auth.mode !== 'oauth') {
      ctx.addIssue({ code: 'custom', path: ['tools', 'scopes'], message: 'per-tool scopes need auth.mode oauth (only access tokens carry scopes)' });
    }
  });

export const configSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('bind address; loopback by default (spec: servers SHOULD bind localhost)'),
        // A string is accepted so that `port: ${PORT:-8080}` works after interpolation.
        port: z
          .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'expected a port number from 0 to 65535' })
          .pipe(z.number().int().min(0).max(65535))
          .default(8080),
        publicUrl: httpUrl.optional().describe('the URL clients use when the proxy sits behind another proxy'),
        allowedHosts: z.array(z.string()).default([]).describe('extra Host header values accepted (DNS rebinding protection)'),
        allowedOrigins: z.array(z.string()).default([]).describe('extra Origin values accepted, e.g. https://app.example.com'),
        trustProxy: z
          .array(z.string().refine((v) => isTrustProxyEntry(v), 'expected loopback, an IP address or a CIDR block such as 10.0.0.0/8'))
          .default(['loopback'])
          .describe('peers whose X-Forwarded-For/-Proto/-Host/-Prefix headers are believed: loopback, IP addresses or CIDR blocks ([] trusts none)'),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxBodyBytes: size('4mb').describe('largest POST body accepted (413 above; refused before reading when Content-Length says so)'),
        maxBufferedBodyBytes: size('64mb').describe(
          'request bodies being received at once, over every client (503 above): stalled uploads cannot exhaust memory',
        ),
        headersTimeout: duration('20s').describe("time a client has to send a request's headers (408 after)"),
        bodyTimeout: duration('30s').describe('time a client has to send a whole request body (408 after)'),
        keepAliveTimeout: duration('5s').describe('an idle keep-alive connection is closed after this long (SSE responses are not idle)'),
        streamBufferBytes: size('4mb').describe(
          'bytes queued for one client stream that is not reading; past it the stream is ended (the client resumes with Last-Event-ID) and, per-session, the backend is paused meanwhile',
        ),
        streamStallTimeout: duration('10s').describe(
          'how long a client stream may stay over streamBufferBytes, its per-session backend paused, before it is ended',
        ),
        maxMessageBytes: size('16mb').describe(
          'largest single backend message (SSE event, stdio line, POST answer); a larger one fails only the request it answers',
        ),
        maxJsonDepth: z.number().int().min(8).max(1000).default(100).describe('deepest JSON nesting accepted in a message (400 above)'),
        maxCapabilitiesBytes: size('4kb').describe(
          "a 2026-07-28 request's declared clientCapabilities, as canonical JSON (400 -32602 above): they are part of the seat key",
        ),
        maxListenResources: z
          .number()
          .int()
          .positive()
          .max(100000)
          .default(256)
          .describe('resource URIs one 2026-07-28 subscriptions/listen stream may follow (-32602 above)'),
        maxSessions: z
          .number()
          .int()
          .positive()
          .default(10000)
          .describe('live sessions at once (503 above); lowered at start-up when the open-file limit (ulimit -n) cannot hold them'),
        maxSessionsPerClient: z.number().int().positive().default(1000).describe('live sessions per client address (503 above)'),
        requestTimeout: duration('10m').describe(
          'time the backend has to answer a request; each progress notification restarts it. Then the client gets an error and the backend notifications/cancelled',
        ),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({
        idleTimeout: duration('10m').describe('a session with no request and no open stream for this long expires'),
        maxBufferedMessages: z.number().int().positive().default(1000).describe('messages held for a client with no open stream'),
        eventLog: z
          .object({
            maxEvents: z.number().int().positive().default(1000).describe('SSE events kept per session for clients that resume a stream with Last-Event-ID'),
            maxAge: duration('5m').describe('how long an SSE event stays resumable'),
            maxBytes: size('4mb').describe('bytes of SSE events kept per session for resumption (the oldest go first)'),
          })
          .strict()
          .prefault({})
          .describe('the log behind resumable streams: in memory, or in Redis (Streams) when the store is Redis'),
        seats: z
          .object({
            max: z.number().int().positive().default(1000).describe('seats per route: backend sessions held for 2026-07-28 clients (503 above)'),
            maxPerIdentity: z
              .number()
              .int()
              .positive()
              .default(8)
              .describe('seats per client identity (principal, capabilities, client info); past it calls share the least busy seat'),
          })
          .strict()
          .prefault({})
          .describe('2026-07-28 clients have no session: the proxy handshakes with the backend once per identity and serves their requests over these seats'),
      })
      .strict()
      .prefault({}),
    mrtr: z
      .object({
        holdTimeout: duration('5m').describe(
          "how long a call that asked a 2026-07-28 client for input waits for the client's retry; then the backend gets errors and a cancellation",
        ),
        maxRounds: z.number().int().positive().default(16).describe('input rounds one call may ask for (the call fails past it)'),
        maxHeldCalls: z.number().int().positive().default(10000).describe('calls held for a retry at once, per route'),
        maxHeldPerSeat: z.number().int().positive().default(32).describe('calls held for a retry at once per client identity'),
        maxHeldBytes: size('64mb').describe('bytes of input-request params held for retries at once, per route'),
        stateSecret: z
          .string()
          .min(32, 'expected at least 32 characters')
          .optional()
          .describe('the HMAC key of requestState shared by every replica (default: a random key per process; retries then restart on another replica)'),
      })
      .strict()
      .prefault({})
      .describe('2026-07-28 multi round-trip requests: a legacy backend asking for input during a call is answered with InputRequiredResult'),
    observability: observabilitySchema,
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .strict()
      .prefault({}),
    store: z
      .string()
      .default('memory')
      .refine((v) => v === 'memory' || /^rediss?:\/\/\S+$/.test(v), 'expected memory or a redis:// URL')
      .describe(
        'where sessions live: memory (one process, the default) or a redis://host:6379 URL shared by every replica (scale-out); FRONTDOOR_STORE overrides it',
      ),
    cluster: z
      .object({
        advertise: httpUrl.optional().describe('the internal base URL other replicas forward to (default: the listen address and port)'),
        heartbeat: duration('1s').describe('how often a replica renews its registration in the store'),
        replicaTtl: duration('3s').describe('a replica that missed heartbeats this long is dead; its sessions are taken over'),
        drainTimeout: duration('10s').describe('on SIGTERM, how long in-flight requests may take to finish before the process leaves (with any store)'),
        storeTimeout: duration('2s').describe(
          'deadline of every operation on the shared store; an unreachable store makes the replica unready and new sessions get 503',
        ),
      })
      .strict()
      .prefault({})
      .describe('scale-out settings (used with a redis store) and the SIGTERM drain (always)'),
    routes: z.array(routeSchema).min(1, 'expected at least one route'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Without auth.audience, an oauth route accepts tokens for its own public URL. Off loopback with
    // no publicUrl and no allowedHosts that URL would come from a Host header the client chooses, so
    // a token the same issuer made for another service could be accepted.
    const pinned = c.listen.publicUrl !== undefined || c.listen.allowedHosts.length > 0 || isLoopbackAddress(c.listen.host);
    c.routes.forEach((r, i) => {
      if (r.auth.mode === 'oauth' && r.auth.audience === undefined && !pinned) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'auth', 'audience'],
          message:
            'an oauth route on a non-loopback listener needs auth.audience, listen.publicUrl or listen.allowedHosts (else the audience would follow the Host header)',
        });
      }
    });
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type RouteConfig = Config['routes'][number];
export type BackendConfig = RouteConfig['backend'];
export type Limits = Config['limits'];
