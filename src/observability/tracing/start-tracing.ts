// Starts tracing when the environment or `observability.tracing` asks for it: the OpenTelemetry SDK,
// the resource and the OTLP/HTTP exporter are imported here, at start-up, and only then, so a proxy
// without tracing loads none of them. The tracer provider is an instance handed to the app, never
// registered as the global one: the proxy's spans are made with it explicitly, and a global would let
// any library in the process write into the proxy's traces.
import type { Logger } from 'pino';
import { tracingSettings, type Env, type TracingConfig } from './tracing-settings.js';
import { TRACING_OFF, type Tracing } from './tracing.js';

/** The SDK's shutdown exports what is buffered; a collector that does not answer must not hold up the exit. */
const SHUTDOWN_TIMEOUT_MS = 3_000;

export async function startTracing(config: TracingConfig, env: Env, log: Logger): Promise<Tracing> {
  const settings = tracingSettings(env, config);
  for (const w of settings.warnings) log.warn({ reason: 'tracing_setting_ignored' }, w);
  if (!settings.enabled) {
    // Not configured is the default and says nothing; switched off on purpose is worth a line.
    if (settings.reason !== 'not_configured')
      log.info(
        { reason: `tracing_off_${settings.reason}` },
        `tracing off (${settings.reason === 'sdk_disabled' ? 'OTEL_SDK_DISABLED' : 'OTEL_TRACES_EXPORTER=none'})`,
      );
    return TRACING_OFF;
  }
  let modules;
  try {
    modules = await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('./otel-tracing.js'),
      import('./export-watch.js'),
    ]);
  } catch (e) {
    // Serving matters more than tracing: a missing SDK package costs the traces, not the proxy.
    log.error(
      { reason: 'tracing_unavailable', err: (e as Error).message },
      'tracing is configured but the OpenTelemetry SDK could not be loaded: serving without traces',
    );
    return TRACING_OFF;
  }
  const [sdk, resources, semconv, otlp, { createOtelTracing }, { watchExports }] = modules;
  const exporter = watchExports(new otlp.OTLPTraceExporter(settings.url === undefined ? {} : { url: settings.url }), log, settings.shownUrl);
  // The config's service name, then what OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES say (they win).
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: settings.serviceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const sampler = settings.sampleRatio === undefined ? undefined : new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(settings.sampleRatio) });
  // BasicTracerProvider and BatchSpanProcessor read OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_* themselves.
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor(exporter)], ...(sampler ? { sampler } : {}) });
  const serviceName = resource.attributes[semconv.ATTR_SERVICE_NAME];
  log.info(
    {
      reason: 'tracing_on',
      endpoint: settings.shownUrl,
      from: settings.endpointFrom,
      serviceName,
      sampler: sampler ? `parentbased_traceidratio ${settings.sampleRatio}` : env.OTEL_TRACES_SAMPLER,
    },
    `tracing on: spans go to ${settings.shownUrl} (${settings.endpointFrom})`,
  );
  const shutdown = async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS)));
    await Promise.race([
      provider.shutdown().catch((e: unknown) => log.warn({ reason: 'tracing_shutdown_failed', err: (e as Error).message }, 'tracing shutdown failed')),
      late,
    ]);
    clearTimeout(timer);
  };
  return createOtelTracing(provider.getTracer('mcp-frontdoor'), shutdown);
}
