// The `observability` section: what the proxy reports about itself beyond its logs. Part of the one
// config schema (schema.ts), kept apart so that each kind of telemetry has its own keys.
import { z } from 'zod';

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

export const observabilitySchema = z
  .object({
    metrics: metricsSchema,
  })
  .strict()
  .prefault({});

export type MetricsConfig = z.output<typeof metricsSchema>;
