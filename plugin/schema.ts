// The plugin's configuration, as a Kong schema (array of fields). Kong
// validates kong.yml against it and fills defaults before StartInstance.

export interface PluginConfig {
  control_plane_url: string;
  dataplane_token: string;
  control_plane_timeout_ms: number;
  config_wait_seconds: number;
  data_host: string;
  data_port: number;
  state_dir: string;
  max_body_bytes: number;
  trace_flush_ms: number;
  trace_spool_max: number;
  identify_consumer: boolean;
  shutdown_grace_seconds: number;
  data_workers: number;
  conversation_cache_mib: number;
}

export const Schema = [
  { control_plane_url: { type: 'string', required: true, default: 'http://127.0.0.1:8080' } },
  // Referenceable: `{vault://env/llm-gateway-token}` keeps the token out of kong.yml.
  { dataplane_token: { type: 'string', required: true, referenceable: true, encrypted: true } },
  { control_plane_timeout_ms: { type: 'integer', required: true, default: 5000, between: [100, 60000] } },
  { config_wait_seconds: { type: 'integer', required: true, default: 25, between: [1, 30] } },
  // The data server Kong proxies to, a worker thread of the plugin server (see README: streaming design).
  // 0 (default): each plugin server and configuration binds a free port of its own, so `kong reload`
  // (two plugin servers at once) and configuration changes never collide; the access phase points
  // Kong's upstream at it with set_target. A fixed port serves one configuration at a time.
  { data_host: { type: 'string', required: true, default: '127.0.0.1' } },
  { data_port: { type: 'integer', required: true, default: 0, between: [0, 65535] } },
  { state_dir: { type: 'string', required: true, default: '/tmp/kong-llm-gateway' } },
  { max_body_bytes: { type: 'integer', required: true, default: 20971520, between: [1024, 104857600] } },
  { trace_flush_ms: { type: 'integer', required: true, default: 1000, between: [50, 60000] } },
  { trace_spool_max: { type: 'integer', required: true, default: 100000, between: [100, 10000000] } },
  // Skips one PDK round trip per request when no Kong auth plugin runs on the route.
  { identify_consumer: { type: 'boolean', required: true, default: true } },
  // On SIGTERM: how long requests and streams in flight may take to finish before they are cut.
  { shutdown_grace_seconds: { type: 'integer', required: true, default: 30, between: [0, 3600] } },
  // Data-plane worker threads per configuration, each with its own data server (with a fixed data_port,
  // worker i listens on data_port + i). 0 (default): LLM_GATEWAY_DATA_WORKERS if set, else one per core
  // less one (Kong's nginx workers and the plugin server's main thread need the rest), from 1 to 8.
  { data_workers: { type: 'integer', required: true, default: 0, between: [0, 64] } },
  // Per data worker: the stored Responses answers and reasoning state it keeps in memory (the control plane
  // holds every one; a continuation this worker holds costs no control-plane call). 0: none kept here.
  { conversation_cache_mib: { type: 'integer', required: true, default: 64, between: [0, 65536] } },
];
