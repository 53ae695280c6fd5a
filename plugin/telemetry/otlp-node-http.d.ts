// Types of the Node HTTP entry point of @opentelemetry/otlp-exporter-base,
// which the package publishes as the subpath export "./node-http" (this
// project's TypeScript resolution does not read export maps; Node does).
declare module '@opentelemetry/otlp-exporter-base/node-http' {
  export * from '@opentelemetry/otlp-exporter-base/build/src/index-node-http';
}
