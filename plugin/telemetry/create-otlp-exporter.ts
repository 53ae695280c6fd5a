// OTLP/HTTP span exporters, built from the OpenTelemetry JS exporter parts
// (transport with retries and timeouts, protobuf or JSON serializers). An
// exporter configured by the control plane reads nothing from the
// environment: the stock exporter would add OTEL_EXPORTER_OTLP_HEADERS
// (another backend's credentials) to every request it sends.
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from '../contract';

export interface OtlpTarget {
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
}

/** One export request's time limit, retries included. */
export const EXPORT_TIMEOUT_MS = 10_000;
const COMPONENT_TYPE = 'otlp_http_span_exporter';

const contentType = (protocol: OtlpProtocol) => (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
const serializerOf = (protocol: OtlpProtocol) => (protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer);

/** An exporter to exactly this URL with exactly these headers. */
export function createOtlpExporter(target: OtlpTarget): SpanExporter {
  const headers = { ...target.headers, 'Content-Type': contentType(target.protocol) };
  const delegate = createOtlpHttpExportDelegate<ReadableSpan[], unknown>(
    {
      url: target.url,
      headers: () => Promise.resolve(headers),
      timeoutMillis: EXPORT_TIMEOUT_MS,
      concurrencyLimit: 4,
      compression: 'none',
      agentFactory: httpAgentFactoryFromOptions({ keepAlive: true }),
    },
    serializerOf(target.protocol),
    COMPONENT_TYPE,
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase(delegate);
}

/** The exporter the standard OTEL_EXPORTER_OTLP_* variables describe (endpoint, headers, timeout, compression, certificates). */
export function createOtlpExporterFromEnv(protocol: OtlpProtocol): SpanExporter {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the one public reader of OTEL_EXPORTER_OTLP_* into a node-http configuration before 2.0 (OTLPTraceExporter calls it too)
  const options = convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': contentType(protocol) });
  return new OTLPExporterBase(createOtlpHttpExportDelegate(options, serializerOf(protocol), COMPONENT_TYPE, TraceExporterMetricsHelper, undefined));
}
