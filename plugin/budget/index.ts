// Budgets and rate limits on the data plane (docs/budgets.md).
export { BudgetGuard, type Admission, type BudgetGuardOptions, type Refusal, type TraceBudget } from './guard';
export { budgetSettingsFromEnv } from './settings';
