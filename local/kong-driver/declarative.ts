// Reads a DB-less `kong.yml` (`_format_version: "3.0"`) into the entities the
// driver needs, with Kong's schema defaults for services and routes
// (kong/db/schema/entities/{services,routes}.lua). Ids missing from the file
// are derived from the entity's name so they are stable across runs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';

export interface ServiceEntity {
  id: string;
  name?: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  path?: string;
  retries: number;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  enabled: boolean;
  created_at: number;
  updated_at: number;
}

export interface RouteEntity {
  id: string;
  name?: string;
  paths?: string[];
  hosts?: string[];
  methods?: string[];
  protocols: string[];
  strip_path: boolean;
  preserve_host: boolean;
  regex_priority: number;
  path_handling: string;
  https_redirect_status_code: number;
  request_buffering: boolean;
  response_buffering: boolean;
  service?: { id: string };
  created_at: number;
  updated_at: number;
}

export interface ConsumerEntity {
  id: string;
  username?: string;
  custom_id?: string;
  created_at: number;
  updated_at: number;
}

export interface PluginEntity {
  id: string;
  name: string;
  instance_name?: string;
  config: Record<string, unknown>;
  enabled: boolean;
  protocols: string[];
  route?: { id: string };
  service?: { id: string };
  consumer?: { id: string };
}

export interface DeclarativeConfig {
  services: ServiceEntity[];
  routes: RouteEntity[];
  consumers: ConsumerEntity[];
  plugins: PluginEntity[];
}

type Raw = Record<string, unknown>;

/** `source` is a file path, YAML text, or an already parsed object. */
export function loadDeclarative(source: string | Raw): DeclarativeConfig {
  let doc: unknown = source;
  if (typeof source === 'string') {
    const text = !source.includes('\n') && fs.existsSync(source) ? fs.readFileSync(source, 'utf8') : source;
    doc = YAML.parse(text);
  }
  const root = doc as Raw | null | undefined;
  if (!root || typeof root !== 'object') throw new Error('kong.yml: expected a mapping');
  const version = root._format_version as string | number | undefined;
  if (!String(version ?? '').startsWith('3')) {
    throw new Error(`kong.yml: unsupported _format_version ${String(version)} (expected "3.0")`);
  }
  const now = Math.floor(Date.now() / 1000);
  const out: DeclarativeConfig = { services: [], routes: [], consumers: [], plugins: [] };
  const pendingRouteRefs: Array<[RouteEntity, unknown]> = [];
  const pendingPluginRefs: Array<[PluginEntity, Raw]> = [];

  for (const raw of asList(root.services)) {
    const service = toService(raw, now);
    out.services.push(service);
    for (const r of asList(raw.routes)) out.routes.push(toRoute(r, now, { id: service.id }));
    for (const p of asList(raw.plugins)) out.plugins.push(toPlugin(p, { service: { id: service.id } }));
    for (const r of asList(raw.routes)) {
      const route = out.routes.find((x) => x.id === idOf('routes', r))!;
      for (const p of asList(r.plugins)) out.plugins.push(toPlugin(p, { route: { id: route.id } }));
    }
  }
  for (const raw of asList(root.routes)) {
    const route = toRoute(raw, now);
    out.routes.push(route);
    pendingRouteRefs.push([route, raw.service]);
    for (const p of asList(raw.plugins)) out.plugins.push(toPlugin(p, { route: { id: route.id } }));
  }
  for (const raw of asList(root.consumers)) {
    out.consumers.push(
      clean({
        id: idOf('consumers', raw),
        username: raw.username as string | undefined,
        custom_id: raw.custom_id as string | undefined,
        created_at: now,
        updated_at: now,
      }),
    );
  }
  for (const raw of asList(root.plugins)) {
    const plugin = toPlugin(raw, {});
    out.plugins.push(plugin);
    pendingPluginRefs.push([plugin, raw]);
  }

  const findService = (ref: unknown) => {
    const key = typeof ref === 'object' && ref ? ((ref as Raw).id ?? (ref as Raw).name) : ref;
    const s = out.services.find((x) => x.id === key || x.name === key);
    if (!s) throw new Error(`kong.yml: unknown service reference ${JSON.stringify(ref)}`);
    return { id: s.id };
  };
  for (const [route, ref] of pendingRouteRefs) if (ref !== undefined) route.service = findService(ref);
  for (const [plugin, raw] of pendingPluginRefs) {
    if (raw.service !== undefined) plugin.service = findService(raw.service);
    if (raw.route !== undefined) {
      const key = typeof raw.route === 'object' && raw.route ? ((raw.route as Raw).id ?? (raw.route as Raw).name) : raw.route;
      const r = out.routes.find((x) => x.id === key || x.name === key);
      if (!r) throw new Error(`kong.yml: unknown route reference ${JSON.stringify(raw.route)}`);
      plugin.route = { id: r.id };
    }
    if (raw.consumer !== undefined) throw new Error('kong.yml: consumer-scoped plugins are not supported by the driver');
  }
  return out;
}

function toService(raw: Raw, now: number): ServiceEntity {
  let protocol = (raw.protocol as string | undefined) ?? 'http';
  let host = raw.host as string | undefined;
  let port = raw.port as number | undefined;
  let path = raw.path as string | undefined;
  if (typeof raw.url === 'string') {
    // Kong splits `url` into protocol/host/port/path (services schema shorthand).
    const u = new URL(raw.url);
    protocol = u.protocol.replace(':', '');
    host = u.hostname.replace(/^\[|\]$/g, '');
    port = u.port ? Number(u.port) : undefined;
    path = u.pathname && u.pathname !== '' && raw.url.replace(/^[a-z]+:\/\/[^/]*/i, '') !== '' ? u.pathname : undefined;
  }
  if (protocol !== 'http' && protocol !== 'https') throw new Error(`kong.yml: service protocol ${protocol} is not supported by the driver`);
  if (!host) throw new Error(`kong.yml: service ${String(raw.name)} has no host/url`);
  return clean({
    id: idOf('services', raw),
    name: raw.name as string | undefined,
    protocol,
    host,
    port: port ?? (protocol === 'https' ? 443 : 80),
    path,
    retries: (raw.retries as number | undefined) ?? 5,
    connect_timeout: (raw.connect_timeout as number | undefined) ?? 60000,
    write_timeout: (raw.write_timeout as number | undefined) ?? 60000,
    read_timeout: (raw.read_timeout as number | undefined) ?? 60000,
    enabled: (raw.enabled as boolean | undefined) ?? true,
    created_at: now,
    updated_at: now,
  });
}

function toRoute(raw: Raw, now: number, service?: { id: string }): RouteEntity {
  const paths = raw.paths as string[] | undefined;
  for (const p of paths ?? []) {
    if (!p.startsWith('/') && !p.startsWith('~')) throw new Error(`kong.yml: route path ${p} must start with / or ~`);
  }
  return clean({
    id: idOf('routes', raw),
    name: raw.name as string | undefined,
    paths,
    hosts: raw.hosts as string[] | undefined,
    methods: (raw.methods as string[] | undefined)?.map((m) => m.toUpperCase()),
    protocols: (raw.protocols as string[] | undefined) ?? ['http', 'https'],
    strip_path: (raw.strip_path as boolean | undefined) ?? true,
    preserve_host: (raw.preserve_host as boolean | undefined) ?? false,
    regex_priority: (raw.regex_priority as number | undefined) ?? 0,
    path_handling: (raw.path_handling as string | undefined) ?? 'v0',
    https_redirect_status_code: (raw.https_redirect_status_code as number | undefined) ?? 426,
    request_buffering: (raw.request_buffering as boolean | undefined) ?? true,
    response_buffering: (raw.response_buffering as boolean | undefined) ?? true,
    service,
    created_at: now,
    updated_at: now,
  });
}

function toPlugin(raw: Raw, scope: Partial<PluginEntity>): PluginEntity {
  if (typeof raw.name !== 'string') throw new Error('kong.yml: plugin without name');
  return clean({
    id: idOf('plugins', raw, `${raw.name}:${JSON.stringify(scope)}`),
    name: raw.name,
    instance_name: raw.instance_name as string | undefined,
    config: (raw.config as Record<string, unknown> | undefined) ?? {},
    enabled: (raw.enabled as boolean | undefined) ?? true,
    protocols: (raw.protocols as string[] | undefined) ?? ['grpc', 'grpcs', 'http', 'https'],
    ...scope,
  });
}

function idOf(kind: string, raw: Raw, fallbackKey?: string): string {
  if (typeof raw.id === 'string') return raw.id;
  const key = `${kind}:${(raw.name as string | undefined) ?? (raw.username as string | undefined) ?? fallbackKey ?? JSON.stringify(raw)}`;
  const h = crypto.createHash('sha1').update(key).digest('hex');
  // uuid-shaped (v5 layout) so plugins that validate ids are not surprised.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function asList(v: unknown): Raw[] {
  return Array.isArray(v) ? (v as Raw[]) : [];
}

/** Lua tables cannot hold nil: drop undefined so entities look like Kong's. */
function clean<T extends object>(o: T): T {
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops whichever keys are undefined, as Kong's entities have no such keys
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
