// OpenTelemetry's SDK, loaded when the first exporter starts. Its ~250
// modules were 75-95 ms of a data-plane worker's ~260 ms start (the wait of a
// request that comes before the worker is ready), and most gateways export
// no spans. Everything that needs it at run time goes through here.
import type { Resource } from '@opentelemetry/resources';
import type * as Exporters from './create-otlp-exporter';
import type * as Pipelines from './exporter-pipeline';

export interface OtelSdk {
  createOtlpExporter: typeof Exporters.createOtlpExporter;
  createOtlpExporterFromEnv: typeof Exporters.createOtlpExporterFromEnv;
  ExporterPipeline: typeof Pipelines.ExporterPipeline;
  /** The gateway's service resource (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override it). */
  resource: Resource;
}

let sdk: OtelSdk | undefined;

export function otelSdk(): OtelSdk {
  if (!sdk) {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see above */
    const exporters = require('./create-otlp-exporter') as typeof Exporters;
    const pipelines = require('./exporter-pipeline') as typeof Pipelines;
    const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
    const semconv = require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');
    /* eslint-enable @typescript-eslint/no-require-imports */
    sdk = {
      createOtlpExporter: exporters.createOtlpExporter,
      createOtlpExporterFromEnv: exporters.createOtlpExporterFromEnv,
      ExporterPipeline: pipelines.ExporterPipeline,
      resource: resources
        .resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: 'kong-llm-gateway' })
        .merge(resources.detectResources({ detectors: [resources.envDetector] })),
    };
  }
  return sdk;
}

/** Whether the SDK was loaded in this thread (tests). */
export function otelSdkLoaded(): boolean {
  return sdk !== undefined;
}
