// What the pipeline needs of the data plane's long-lived state.
import type { BudgetGuard } from '../budget';
import type { ConfigStore } from '../config/store';
import type { ConversationStore } from '../conversations/conversation-store';
import type { ShadowDispatcher } from '../governance/shadow-dispatcher';
import type { DestinationHealth } from '../routing/cooldown';
import type { Telemetry } from '../telemetry/telemetry';
import type { TraceShipper } from '../traces/shipper';

export interface PipelineRuntime {
  readonly config: ConfigStore;
  readonly shipper: TraceShipper;
  readonly health: DestinationHealth;
  readonly budget: BudgetGuard;
  readonly maxBodyBytes: number;
  readonly conversations: ConversationStore;
  readonly shadow: ShadowDispatcher;
  /** OpenTelemetry export of finished requests (absent: none). */
  readonly telemetry?: Telemetry;
}
