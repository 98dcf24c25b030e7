// An in-process world for component tests of sessions and links: the fake backend
// (fake-backend.ts), one route's linker over it, and sessions made the way route-runtime.ts makes
// them, with the callbacks a test does not care about left quiet.
import pino from 'pino';
import { Linker } from '../../src/link/linker.js';
import { RequestIds } from '../../src/link/request-ids.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import type { MessageSink } from '../../src/session/sink.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createErrorReporter } from '../../src/observability/error-reporter.js';
import { backendSchema } from '../../src/config/schema.js';
import { toolsSchema } from '../../src/config/auth-schema.js';
import { ToolPolicy } from '../../src/policy/tool-policy.js';
import type { JsonRpcMessage } from '../../src/jsonrpc/message.js';
import { fakeBackend } from './fake-backend.js';

export const quiet = pino({ level: 'silent' });

/** A sink that keeps everything it is given. */
export interface RecordingSink extends MessageSink {
  got: JsonRpcMessage[];
}

export function recordingSink(kind: 'standalone' | 'request' = 'standalone'): RecordingSink {
  const s: RecordingSink = {
    kind,
    streaming: kind === 'standalone',
    open: true,
    got: [],
    deliver: (m) => (s.got.push(m), true),
    respond: (m) => (s.got.push(m), true),
    end: () => undefined,
    queuedBytes: 0,
    backlogBytes: 0,
    onceDrained: (cb) => queueMicrotask(cb),
    overflow: () => undefined,
  };
  return s;
}

/** `backend`: the route's backend config beyond its url (reconnect delays are short by default). */
export function linkWorld(backend: Record<string, unknown> = {}, opts: { requestTimeoutMs?: number } = {}) {
  const fake = fakeBackend();
  const metrics = new Metrics();
  const errors = createErrorReporter(metrics, quiet);
  const config = backendSchema.parse({ url: 'http://fake.invalid/sse', reconnect: { initialDelay: 1, maxDelay: 5 }, ...backend });
  const linker = new Linker({
    backend: config,
    connector: fake.connector,
    ids: new RequestIds(),
    route: '/',
    log: quiet,
    metrics,
    errors,
    passCredentials: false,
    requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
  });
  /** A session of the route, not started. */
  const session = (overrides: Partial<SessionOptions> = {}) =>
    new Session({
      route: '/',
      linker,
      log: quiet,
      metrics,
      errors,
      maxBufferedMessages: 100,
      streamBufferBytes: 1_000_000,
      streamStallTimeoutMs: 1_000,
      repairHandshake: true,
      passCredentials: false,
      requireAuth: false,
      tools: new ToolPolicy(toolsSchema.parse({})),
      audit: () => undefined,
      onRepair: () => undefined,
      onClosed: () => undefined,
      ...overrides,
    });
  return { fake, metrics, errors, linker, session };
}
