// Whether and how to trace, from the OTel environment variables and `observability.tracing`. The
// environment wins, as every OpenTelemetry SDK does it (OTel specification, Environment Variable
// Specification): OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
// OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG). Pure.
import { redactUrl } from '../redact-url.js';

export interface TracingConfig {
  endpoint?: string | undefined;
  serviceName: string;
  sampleRatio: number;
}

export type TracingSettings =
  | { enabled: false; reason: 'not_configured' | 'sdk_disabled' | 'exporter_none'; warnings: string[] }
  | {
      enabled: true;
      /** The exporter's URL when the config gives it; undefined when the exporter reads it from the environment. */
      url: string | undefined;
      /** Where spans go, redacted, and which setting said so (for the start-up line). */
      shownUrl: string;
      endpointFrom: string;
      /** The config's service name; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over it in the resource. */
      serviceName: string;
      /** Parent-based ratio sampling from the config; undefined when OTEL_TRACES_SAMPLER chooses the sampler. */
      sampleRatio: number | undefined;
      warnings: string[];
    };

export type Env = Readonly<Record<string, string | undefined>>;

const TRACES_PATH = 'v1/traces';

/** An OTLP/HTTP base URL with the traces path appended (as the SDK does for OTEL_EXPORTER_OTLP_ENDPOINT). */
export function tracesUrl(base: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${TRACES_PATH}`;
}

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

export function tracingSettings(env: Env, config: TracingConfig): TracingSettings {
  const warnings: string[] = [];
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, reason: 'sdk_disabled', warnings };
  const exporters = set(env.OTEL_TRACES_EXPORTER) ? env.OTEL_TRACES_EXPORTER.split(',').map((e) => e.trim().toLowerCase()) : ['otlp'];
  if (exporters.includes('none')) return { enabled: false, reason: 'exporter_none', warnings };
  if (!exporters.includes('otlp')) warnings.push(`OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER}: only otlp is supported; spans go to the OTLP endpoint`);

  let url: string | undefined;
  let shownUrl: string;
  let endpointFrom: string;
  if (set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) {
    shownUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    endpointFrom = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
  } else if (set(env.OTEL_EXPORTER_OTLP_ENDPOINT)) {
    shownUrl = tracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    endpointFrom = 'OTEL_EXPORTER_OTLP_ENDPOINT';
  } else if (config.endpoint !== undefined) {
    url = tracesUrl(config.endpoint);
    shownUrl = url;
    endpointFrom = 'observability.tracing.endpoint';
  } else return { enabled: false, reason: 'not_configured', warnings };

  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (set(protocol) && protocol.trim() !== 'http/json')
    warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: the proxy exports http/json (OTLP over HTTP, JSON encoding)`);

  return {
    enabled: true,
    url,
    shownUrl: redactUrl(shownUrl),
    endpointFrom,
    serviceName: config.serviceName,
    sampleRatio: set(env.OTEL_TRACES_SAMPLER) ? undefined : config.sampleRatio,
    warnings,
  };
}
