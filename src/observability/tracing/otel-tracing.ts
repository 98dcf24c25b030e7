// Tracing on: the `Tracing` of a tracer from the SDK's provider instance (start-tracing.ts). Each
// route face computes its constant span attributes once; each session gets its own RequestSpans.
import type { Tracer } from '@opentelemetry/api';
import { RequestSpans, type SpanDefaults } from './request-spans.js';
import { backendAttributes, serverAttributes } from './span-attributes.js';
import type { Tracing } from './tracing.js';

export function createOtelTracing(tracer: Tracer, shutdown: () => Promise<void>): Tracing {
  return {
    enabled: true,
    route(facts) {
      const defaults: SpanDefaults = { server: serverAttributes(facts), backend: backendAttributes(facts) };
      return { session: (session) => new RequestSpans(tracer, defaults, session) };
    },
    shutdown,
  };
}
