import crypto from 'node:crypto';
import type { BudgetPolicy } from '../../plugin/contract';
import { ApiError, conflict, invalidField, notFound } from '../errors';
import type { Models } from '../models';
import { KeyedMutex } from './keyed-mutex';
import type { BudgetPolicyDoc } from '../models/budget-policy.model';
import type { BudgetWindowDoc } from '../models/budget-window.model';
import type { Actor } from './actor';
import { diffBudget } from './audit-diff';
import type { AuditService } from './audit.service';
import { STRICT, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';
import { outboundUrlProblem } from './check-outbound-url';
import { ledgerScale, runWindowEnd, UNALIGNED_START } from './budget-ledger-policies';
import { windowAt } from './budget-window';
import type { ConfigVersionService } from './config-version.service';
import { withUnset } from './endpoints.service';
import { isDuplicateKeyError } from './mongo-errors';

/** `window` is optional for run scopes only (the run's lifetime, default RUN_LIFETIME). */
export type BudgetInput = Omit<BudgetPolicy, 'id' | 'version' | 'failOpen' | 'window'> & {
  window?: BudgetPolicy['window'];
  failOpen?: boolean;
  webhookUrl?: string;
};

/** How long a run's window stays open after its first request, unless the policy says. */
export const RUN_LIFETIME: BudgetPolicy['window'] = { unit: 'hours', size: 24 };

export function budgetToApi(d: BudgetPolicyDoc) {
  return {
    ...budgetToPolicy(d),
    ...(d.webhookUrl ? { webhookUrl: d.webhookUrl } : {}),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** Exactly the contract's BudgetPolicy (what the data-plane snapshot carries). */
export function budgetToPolicy(d: BudgetPolicyDoc): BudgetPolicy {
  return {
    id: d._id,
    name: d.name,
    unit: d.unit,
    limit: d.limit,
    window: d.window,
    action: d.action,
    scope: d.scope,
    failOpen: d.failOpen,
    version: d.version,
  };
}

export class BudgetsService {
  /** Compare-and-set writes one at a time per document: FerretDB checks the version and writes in separate steps, so two racing updates could both apply (keyed-mutex.ts). */
  private readonly writes = new KeyedMutex();
  constructor(
    private readonly models: Models,
    private readonly versions: ConfigVersionService,
    private readonly audit: AuditService,
    private readonly now: () => Date = () => new Date(),
    private readonly outbound: OutboundPolicy = STRICT,
  ) {}

  async list() {
    const docs = await this.models.budgetPolicies.find().sort({ name: 1 }).lean<BudgetPolicyDoc[]>();
    return docs.map(budgetToApi);
  }

  async get(id: string) {
    return budgetToApi(await this.find(id));
  }

  async create(actor: Actor, input: BudgetInput) {
    const fields = await this.normalize(input);
    const now = this.now();
    const doc: BudgetPolicyDoc = { _id: crypto.randomUUID(), ...fields, version: 1, createdAt: now, updatedAt: now };
    try {
      await this.models.budgetPolicies.create(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('budget_name_taken', `name: a budget named '${input.name}' already exists`);
      throw err;
    }
    await this.versions.bump();
    await this.audit.record(actor, 'budget.create', { type: 'budget', id: doc._id, name: doc.name }, 'version 1', diffBudget(undefined, doc));
    return budgetToApi(doc);
  }

  async replace(actor: Actor, id: string, input: BudgetInput) {
    return this.update(actor, id, 'budget.replace', () => input);
  }

  async patch(actor: Actor, id: string, patch: Partial<BudgetInput>) {
    return this.update(actor, id, 'budget.patch', (current) => {
      const { id: _i, version: _v, createdAt: _c, updatedAt: _u, ...base } = budgetToApi(current);
      return { ...base, ...patch };
    });
  }

  async delete(actor: Actor, id: string) {
    const current = await this.find(id);
    await this.models.budgetPolicies.deleteOne({ _id: current._id });
    await this.models.budgetWindows.deleteMany({ policyId: current._id });
    await this.models.budgetLeases.deleteMany({ policyId: current._id });
    await this.versions.bump();
    await this.audit.record(actor, 'budget.delete', { type: 'budget', id: current._id, name: current.name }, undefined, diffBudget(current, undefined));
  }

  /**
   * The current window: what was spent (settled), what is reserved by
   * requests in flight, what data planes hold as local slices (`leased`), and
   * what can still be admitted (`available` = limit - committed). Zeros
   * before the first request. Run-scoped budgets: the window of `run`.
   */
  async spend(id: string, q: { user?: string; run?: string } = {}) {
    const policy = await this.find(id);
    const { user, run } = q;
    const perUser = policy.scope.type === 'user' && !policy.scope.user;
    const perRun = policy.scope.type === 'run';
    if (user !== undefined && !perUser) throw invalidField('user', 'only applies to per-user budgets (scope {type: "user"} without a user)');
    if (run !== undefined && !perRun) throw invalidField('run', 'only applies to run-scoped budgets (scope {type: "run"})');
    if (run === undefined && perRun) throw invalidField('run', 'is required for a run-scoped budget: every run has its own window');
    const subject = user ?? run ?? '';
    let { start, end } = windowAt(this.now(), policy.window);
    const w = await this.models.budgetWindows.findOne({ policyId: policy._id, subject, windowStart: perRun ? UNALIGNED_START : start }).lean<BudgetWindowDoc>();
    if (perRun) {
      // A run's window opens with its first request; before that, it would open now.
      start = w?.openedAt ?? this.now();
      end = w?.windowEnd ?? runWindowEnd(start, policy.window);
    }
    const scale = ledgerScale(policy.unit);
    const spent = policy.unit === 'usd' ? (w?.spentUsd ?? 0) : policy.unit === 'tokens' ? (w?.spentTokens ?? 0) : (w?.spent ?? 0);
    const reserved = (w?.reserved ?? 0) / scale;
    const leased = (w?.leased ?? 0) / scale;
    const legacyReserved = policy.unit === 'usd' ? (w?.reservedUsd ?? 0) : policy.unit === 'tokens' ? (w?.reservedTokens ?? 0) : 0;
    const committed = w?.committed !== undefined ? w.committed / scale : spent + legacyReserved;
    const expired = perRun && !!w && w.windowEnd.getTime() <= this.now().getTime();
    return {
      budgetId: policy._id,
      unit: policy.unit,
      limit: policy.limit,
      ...(user !== undefined ? { user } : {}),
      ...(run !== undefined ? { run, expired } : {}),
      windowStart: start.toISOString(),
      windowEnd: end.toISOString(),
      spentUsd: toMicros(w?.spentUsd ?? 0),
      spentTokens: w?.spentTokens ?? 0,
      ...(policy.unit === 'calls' ? { spentCalls: w?.spent ?? 0, reservedCalls: w?.reserved ?? 0 } : {}),
      reservedUsd: toMicros((w?.reservedUsd ?? 0) + (policy.unit === 'usd' ? reserved : 0)),
      reservedTokens: (w?.reservedTokens ?? 0) + (policy.unit === 'tokens' ? reserved : 0),
      leased,
      committed,
      available: expired ? 0 : toMicros(Math.max(0, policy.limit - committed)),
      // The ledger's own spent (each request rounded up to a whole micro-dollar), so
      // with nothing in flight `remaining` is exactly the `x-budget-remaining` a refusal shows.
      remaining: toMicros(Math.max(0, policy.limit - (w?.spent !== undefined ? w.spent / scale : spent))),
      ...(w?.alertedAt ? { alertedAt: w.alertedAt.toISOString() } : {}),
    };
  }

  private async update(actor: Actor, id: string, action: string, build: (current: BudgetPolicyDoc) => BudgetInput) {
    const current = await this.find(id);
    const fields = await this.normalize(build(current));
    const updated = await this.writes
      .run(current._id, () =>
        this.models.budgetPolicies
          .findOneAndUpdate(
            { _id: current._id, version: current.version },
            withUnset({ ...fields, version: current.version + 1, updatedAt: this.now() }, ['webhookUrl']),
            { new: true },
          )
          .lean<BudgetPolicyDoc>(),
      )
      .catch((err: unknown) => {
        if (isDuplicateKeyError(err)) throw conflict('budget_name_taken', `name: another budget is named '${fields.name}'`);
        throw err;
      });
    if (!updated) throw new ApiError(409, 'concurrent_modification', `budget '${id}' was changed by someone else; retry`);
    await this.versions.bump();
    await this.audit.record(actor, action, { type: 'budget', id: updated._id, name: updated.name }, `version ${updated.version}`, diffBudget(current, updated));
    return budgetToApi(updated);
  }

  private async normalize(input: BudgetInput) {
    if (input.action === 'alert' && !input.webhookUrl) throw invalidField('webhookUrl', 'is required when action is "alert"');
    const urlProblem = input.webhookUrl === undefined ? undefined : await outboundUrlProblem(input.webhookUrl, this.outbound);
    if (urlProblem) throw invalidField('webhookUrl', urlProblem);
    const scope = input.scope;
    if (scope.type === 'run' && input.action !== 'reject') {
      throw invalidField('action', 'run-scoped budgets can only reject (a webhook per run would flood the receiver)');
    }
    if (scope.type !== 'run' && !input.window) throw invalidField('window', 'is required (only run-scoped budgets default it: to the run lifetime)');
    if ((scope.type === 'endpoint' || scope.type === 'run') && scope.endpoint !== undefined) {
      const exists = await this.models.endpoints.exists({ name: scope.endpoint });
      if (!exists) throw invalidField('scope.endpoint', `endpoint '${scope.endpoint}' does not exist`);
    }
    return {
      name: input.name,
      unit: input.unit,
      limit: input.limit,
      window: input.window ?? RUN_LIFETIME,
      action: input.action,
      ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}),
      scope: input.scope,
      failOpen: input.failOpen ?? false,
    };
  }

  private async find(id: string): Promise<BudgetPolicyDoc> {
    const doc = await this.models.budgetPolicies.findById(id).lean<BudgetPolicyDoc>();
    if (!doc) throw notFound('budget', id);
    return doc;
  }
}

/** Float sums drift (0.4 twenty times is 7.999999999999999): show millionths, the ledger's resolution. */
function toMicros(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
