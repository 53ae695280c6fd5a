// The exporter the standard OpenTelemetry environment variables describe,
// for operators who configure the plugin server rather than the control
// plane: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _HEADERS / _PROTOCOL /
// _TIMEOUT / _COMPRESSION / certificates (read by the OTLP exporter itself),
// OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*, OTEL_SDK_DISABLED,
// OTEL_TRACES_EXPORTER, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, and
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT for message content.
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from '../contract';
import { log } from '../log';
import { otelSdk } from './otel-sdk';

export interface EnvExporter {
  key: string;
  protocol: OtlpProtocol;
  samplingRatio: number;
  content: boolean;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMs?: number;
  create(): SpanExporter;
}

export function exporterFromEnv(env: NodeJS.ProcessEnv): EnvExporter | undefined {
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((s) => s.trim().toLowerCase());
  if (exporters && !exporters.includes('otlp')) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    log.error('telemetry: OTLP protocol not supported (use http/protobuf or http/json); not exporting', { protocol });
    return undefined;
  }
  return {
    key: 'env',
    protocol,
    samplingRatio: samplingRatioOf(env),
    content: env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === 'true',
    maxQueueSize: positive(env.OTEL_BSP_MAX_QUEUE_SIZE),
    maxExportBatchSize: positive(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
    scheduledDelayMs: positive(env.OTEL_BSP_SCHEDULE_DELAY),
    create: () => otelSdk().createOtlpExporterFromEnv(protocol),
  };
}

/** Every sampler is parent-based here (a caller's decision wins); this is the ratio for requests without one. */
function samplingRatioOf(env: NodeJS.ProcessEnv): number {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() ?? 'parentbased_always_on';
  if (sampler.endsWith('always_off')) return 0;
  if (sampler.endsWith('traceidratio')) {
    const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
    return Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1;
  }
  return 1;
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}
