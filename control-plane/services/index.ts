import { STRICT } from '../../plugin/upstream/outbound-policy';
import type { ControlPlaneConfig } from '../config';
import type { Logger } from '../logger';
import { compileTraceCheck } from '../loaders/trace-schema';
import type { Models } from '../models';
import { AuditService } from './audit.service';
import { BudgetAlertsService } from './budget-alerts.service';
import { BudgetLedgerService } from './budget-ledger.service';
import { BudgetsService } from './budgets.service';
import { ConfigVersionService } from './config-version.service';
import { ConversationStateService } from './conversation-state.service';
import { EndpointsService } from './endpoints.service';
import { EnvelopeCipher } from './envelope-encryption';
import { MetricsService } from './metrics.service';
import { SecretsService } from './secrets.service';
import { ShadowComparisonsService } from './shadow-comparisons.service';
import { SnapshotService } from './snapshot.service';
import { StoredResponsesService } from './stored-responses.service';
import { TelemetryCountsService } from './telemetry-counts.service';
import { TelemetryExportersService } from './telemetry-exporters.service';
import { TraceIngestService } from './trace-ingest.service';
import { TracesService } from './traces.service';
import { UsageService } from './usage.service';
import { IngestFlusher } from './ingest-flusher';
import { DEFAULT_RETENTION, RetentionService } from './retention.service';
import { DocumentLocks } from './document-locks';

export function createServices(
  models: Models,
  config: Pick<ControlPlaneConfig, 'kek' | 'versionPollMs' | 'budgets' | 'retention' | 'outbound'> &
    Partial<Pick<ControlPlaneConfig, 'conversationRetentionDays' | 'ingestGroupTraces'>>,
  log: Logger,
) {
  const audit = new AuditService(models);
  const versions = new ConfigVersionService(models, config.versionPollMs);
  const outbound = config.outbound ?? STRICT;
  const cipher = new EnvelopeCipher(config.kek);
  // Secrets and exporters are also rewritten by `npm run rotate-kek`, another process.
  const locks = new DocumentLocks(models.writeLocks);
  const secrets = new SecretsService(models, cipher, versions, audit, locks, outbound);
  const metrics = new MetricsService();
  const shadowComparisons = new ShadowComparisonsService(models);
  const exporters = new TelemetryExportersService(models, cipher, versions, audit, locks);
  // Ingest may run ahead of the flusher by two and a half groups (the default's ratio, 20,000 and 50,000).
  const group = config.ingestGroupTraces;
  const flusher = new IngestFlusher(models, log, group ? { maxGroupTraces: group, maxPendingTraces: Math.round(group * 2.5) } : {});
  const retention = { ...DEFAULT_RETENTION, ...config.retention };
  const traces = new TracesService(models, metrics, flusher);
  return {
    audit,
    versions,
    secrets,
    endpoints: new EndpointsService(models, versions, audit, outbound),
    budgets: new BudgetsService(models, versions, audit, undefined, outbound),
    metrics,
    flusher,
    traces,
    traceIngest: new TraceIngestService(traces, metrics, compileTraceCheck(), shadowComparisons),
    usage: new UsageService(models, flusher, retention.usageMinuteDays, retention.usageDays),
    retention: new RetentionService(models, retention, log),
    shadowComparisons,
    exporters,
    telemetryCounts: new TelemetryCountsService(models, metrics.registry),
    snapshot: new SnapshotService(models, secrets, exporters, versions, log),
    budgetLedger: new BudgetLedgerService(models, new BudgetAlertsService(models, log, { outbound }), log, config.budgets ?? {}),
    conversationState: new ConversationStateService(models, log, undefined, undefined, (config.conversationRetentionDays ?? 30) * 86_400_000),
    storedResponses: new StoredResponsesService(models, audit),
  };
}

export type Services = ReturnType<typeof createServices>;
