import type { Connection } from 'mongoose';
import { alertDeliveryModel } from './alert-delivery.model';
import { auditEntryModel } from './audit-entry.model';
import { budgetHeartbeatModel } from './budget-heartbeat.model';
import { budgetLeaseModel } from './budget-lease.model';
import { budgetPolicyModel } from './budget-policy.model';
import { budgetWindowModel } from './budget-window.model';
import { configVersionModel } from './config-version.model';
import { conversationStateModel } from './conversation-state.model';
import { endpointModel } from './endpoint.model';
import { secretModel } from './secret.model';
import { shadowComparisonModel } from './shadow-comparison.model';
import { telemetryCountModel } from './telemetry-count.model';
import { telemetryExporterModel } from './telemetry-exporter.model';
import { traceStore } from './trace-store.model';
import { usageStore } from './usage-rollup.model';
import { writeLockModel } from './write-lock.model';

/** Models bound to one connection (several control planes can share a process in tests). */
export function createModels(conn: Connection) {
  const traces = traceStore(conn);
  return {
    secrets: secretModel(conn),
    endpoints: endpointModel(conn),
    budgetPolicies: budgetPolicyModel(conn),
    budgetWindows: budgetWindowModel(conn),
    budgetLeases: budgetLeaseModel(conn),
    budgetHeartbeats: budgetHeartbeatModel(conn),
    alertDeliveries: alertDeliveryModel(conn),
    traceStore: traces,
    usageStore: usageStore(conn, (kind, day, write) => traces.partition(kind, day, write)),
    telemetryExporters: telemetryExporterModel(conn),
    telemetryCounts: telemetryCountModel(conn),
    auditEntries: auditEntryModel(conn),
    configVersion: configVersionModel(conn),
    shadowComparisons: shadowComparisonModel(conn),
    conversationStates: conversationStateModel(conn),
    writeLocks: writeLockModel(conn),
  };
}

export type Models = ReturnType<typeof createModels>;
