// Route matching and upstream URI computation for the subset of Kong's router
// the driver supports: paths (plain prefixes, or `~` regexes), hosts, methods.
// Upstream path joining follows path_handling "v0" (kong/router/utils.lua).
import type { DeclarativeConfig, RouteEntity, ServiceEntity } from './declarative';

export interface RouteMatch {
  route: RouteEntity;
  service?: ServiceEntity;
  /** The part of the path the route matched (Kong's match_t.prefix). */
  prefix: string;
  upstreamUri: string;
}

interface Candidate {
  route: RouteEntity;
  service?: ServiceEntity;
  regex?: RegExp;
  prefix?: string;
  /** Higher wins: more criteria first, then longest prefix, then regex_priority. */
  weight: [number, number, number];
}

export class Router {
  private readonly candidates: Candidate[] = [];

  constructor(config: DeclarativeConfig) {
    for (const route of config.routes) {
      const service = config.services.find((s) => s.id === route.service?.id);
      const criteria = (route.hosts ? 1 : 0) + (route.methods ? 1 : 0);
      for (const p of route.paths ?? ['/']) {
        if (p.startsWith('~')) {
          this.candidates.push({ route, service, regex: new RegExp(`^(?:${p.slice(1)})`), weight: [criteria, 0, route.regex_priority] });
        } else {
          this.candidates.push({ route, service, prefix: p, weight: [criteria, p.length, 0] });
        }
      }
    }
    this.candidates.sort((a, b) => b.weight[0] - a.weight[0] || b.weight[1] - a.weight[1] || b.weight[2] - a.weight[2]);
  }

  match(method: string, host: string, path: string): RouteMatch | undefined {
    for (const c of this.candidates) {
      if (c.route.methods && !c.route.methods.includes(method)) continue;
      if (c.route.hosts && !c.route.hosts.some((h) => hostMatches(h, host))) continue;
      let prefix: string | undefined;
      if (c.prefix !== undefined) {
        if (path.startsWith(c.prefix)) prefix = c.prefix;
      } else {
        const m = c.regex!.exec(path);
        if (m) prefix = m[0];
      }
      if (prefix === undefined) continue;
      const base = c.service?.path ?? '/';
      const postfix = c.route.strip_path ? path.slice(prefix.length) : '';
      return { route: c.route, service: c.service, prefix, upstreamUri: joinUpstreamUri(base, path, postfix, c.route.strip_path) };
    }
    return undefined;
  }
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  if (pattern.endsWith('.*')) return host.startsWith(pattern.slice(0, -1));
  return pattern.toLowerCase() === host;
}

/** path_handling v0 of kong/router/utils.lua. */
export function joinUpstreamUri(base: string, reqUri: string, postfix: string, stripPath: boolean): string {
  if (base.endsWith('/')) {
    if (!stripPath) return base + reqUri.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return reqUri.endsWith('/') ? base : base.slice(0, -1);
    }
    return postfix.startsWith('/') ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (!stripPath) return reqUri === '/' ? base : base + reqUri;
  if (postfix === '') return reqUri.length > 1 && reqUri.endsWith('/') ? base + '/' : base;
  return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
}
