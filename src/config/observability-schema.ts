// The `observability` section: what the proxy reports about itself beyond its logs. Part of the one
// config schema (schema.ts), kept apart so that each kind of telemetry has its own keys.
import { z } from 'zod';
import { httpUrl } from './fields.js';

/** A tool name or a glob over tool names: `*` any run of characters, `?` one character. */
const toolGlob = z.string().min(1, 'expected a tool name or a glob such as get_*').max(256, 'expected a tool name or glob of at most 256 characters');

export const metricsSchema = z
  .object({
    toolLabels: z
      .array(toolGlob)
      .default(['*'])
      .describe(
        'tools/call metrics carry the tool name as a label only for tools matching these globs that the backend listed in a tools/list answer; other calls are counted under tool="_other" (names are client input)',
      ),
    maxToolLabels: z
      .number()
      .int('expected a whole number from 0 to 1000')
      .min(0, 'expected a whole number from 0 to 1000')
      .max(1000, 'expected a whole number from 0 to 1000 (each value is a set of series)')
      .default(50)
      .describe('most distinct tool label values per route; calls of further tools are counted under tool="_other"'),
  })
  .strict()
  .prefault({})
  .describe('the Prometheus metrics on /metrics (docs/observability.md lists them)');

export const tracingSchema = z
  .object({
    endpoint: httpUrl
      .optional()
      .describe(
        'OTLP/HTTP base URL of a trace collector, e.g. http://127.0.0.1:4318 (spans go to <endpoint>/v1/traces, as http/json); tracing is off without it. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_EXPORTER_OTLP_ENDPOINT win over it',
      ),
    serviceName: z.string().min(1).default('mcp-frontdoor').describe('the service.name of the spans; OTEL_SERVICE_NAME wins over it'),
    sampleRatio: z
      .number()
      .min(0, 'expected a ratio from 0 to 1')
      .max(1, 'expected a ratio from 0 to 1')
      .default(1)
      .describe(
        "share of new traces recorded (0 to 1); a request that continues a client's trace follows the client's sampled flag. OTEL_TRACES_SAMPLER wins over it",
      ),
  })
  .strict()
  .prefault({})
  .describe('OpenTelemetry traces of MCP requests (docs/tracing.md); the OTEL_* environment variables win over these keys');

export const observabilitySchema = z
  .object({
    metrics: metricsSchema,
    tracing: tracingSchema,
  })
  .strict()
  .prefault({});

export type MetricsConfig = z.output<typeof metricsSchema>;
