import type { ConfigSnapshot, Credentials, Destination, Endpoint } from '../../plugin/contract';
import type { Logger } from '../logger';
import type { Models } from '../models';
import type { BudgetPolicyDoc } from '../models/budget-policy.model';
import type { DestinationDoc, EndpointDoc } from '../models/endpoint.model';
import { budgetToPolicy } from './budgets.service';
import type { ConfigVersionService } from './config-version.service';
import type { SecretsService } from './secrets.service';
import type { TelemetryExportersService } from './telemetry-exporters.service';

export class SnapshotService {
  /** The latest version's snapshot (built or being built): data planes asking for it share one build. */
  private latest: { version: number; snapshot: Promise<ConfigSnapshot> } | undefined;

  constructor(
    private readonly models: Models,
    private readonly secrets: SecretsService,
    private readonly exporters: TelemetryExportersService,
    readonly versions: ConfigVersionService,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The snapshot of the current version. */
  async build(): Promise<ConfigSnapshot> {
    return this.ofVersion(await this.versions.current());
  }

  /**
   * The snapshot for `version`, which the caller has just read as current:
   * built once per version and kept until the next. Each build reads the
   * version BEFORE the data (writers change data first and bump after), so
   * a snapshot may be newer than its version (the next poll then refetches)
   * but never older, and no change can be missed: a kept one is served only
   * while the version it was built after is still the current one.
   */
  ofVersion(version: number): Promise<ConfigSnapshot> {
    if (this.latest && this.latest.version === version) return this.latest.snapshot;
    const snapshot = this.buildAfter(version);
    if (!this.latest || this.latest.version < version) this.latest = { version, snapshot };
    // A failed build (database down) is not kept.
    snapshot.catch(() => {
      if (this.latest?.snapshot === snapshot) this.latest = undefined;
    });
    return snapshot;
  }

  private async buildAfter(version: number): Promise<ConfigSnapshot> {
    const [endpoints, budgets, exporters] = await Promise.all([
      this.models.endpoints.find({ enabled: true }).sort({ name: 1 }).lean<EndpointDoc[]>(),
      this.models.budgetPolicies.find().sort({ name: 1 }).lean<BudgetPolicyDoc[]>(),
      this.exporters.forSnapshot(),
    ]);
    const secretIds = [
      ...new Set(
        endpoints.flatMap((e) =>
          destinationsOf(e)
            .map((d) => d.secret)
            .filter((s): s is string => !!s),
        ),
      ),
    ];
    const credentials = await this.secrets.decryptMany(secretIds);
    return {
      version,
      generatedAt: this.now().toISOString(),
      endpoints: endpoints.map((e) => this.toContract(e, credentials)),
      budgets: budgets.map(budgetToPolicy),
      exporters,
    };
  }

  private toContract(e: EndpointDoc, credentials: Map<string, { credentials: Credentials; allowedHosts?: string[] }>): Endpoint {
    const destination = (d: DestinationDoc): Destination => {
      const secret = d.secret ? credentials.get(d.secret) : { credentials: {} };
      // Deletion is blocked while in use, but a racing write could still orphan a reference.
      if (!secret) this.log.warn({ endpoint: e.name, destination: d.id }, 'secret of destination is missing; sending no credentials');
      return {
        id: d.id,
        provider: d.provider as Destination['provider'],
        model: d.model,
        credentials: secret?.credentials ?? {},
        ...(secret?.allowedHosts ? { credentialHosts: secret.allowedHosts } : {}),
        options: d.options,
        weight: d.weight,
        timeoutMs: d.timeoutMs,
        ...(d.price ? { price: d.price } : {}),
      };
    };
    return {
      id: e._id,
      name: e.name,
      kind: e.kind,
      version: e.version,
      destinations: e.destinations.map(destination),
      ...(e.stickiness ? { stickiness: e.stickiness } : {}),
      fallback: e.fallback as Endpoint['fallback'],
      ...(e.rateLimits ? { rateLimits: e.rateLimits } : {}),
      logPayloads: e.logPayloads,
      ...(e.runs ? { runs: e.runs } : {}),
      ...(e.loopBreaker ? { loopBreaker: e.loopBreaker } : {}),
      ...(e.shadow ? { shadow: { ...e.shadow, destination: destination(e.shadow.destination) } } : {}),
    };
  }
}

/** Every destination whose credentials the data plane needs: the endpoint's and its shadow's. */
export function destinationsOf(e: Pick<EndpointDoc, 'destinations' | 'shadow'>): DestinationDoc[] {
  return e.shadow ? [...e.destinations, e.shadow.destination] : e.destinations;
}
