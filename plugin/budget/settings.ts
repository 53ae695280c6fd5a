// Data-plane budget settings. The plugin's Kong schema stays as it is; these
// are process-level knobs of the plugin server (environment variables):
//   LLM_GATEWAY_BUDGET_SLICES=off        every request reserves at the control plane (no local slices)
//   LLM_GATEWAY_BUDGET_TIMEOUT_MS=1500   timeout of one ledger call on the request path
export function budgetSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { slices: boolean; timeoutMs: number } {
  const timeout = Number(env.LLM_GATEWAY_BUDGET_TIMEOUT_MS);
  return {
    slices: env.LLM_GATEWAY_BUDGET_SLICES !== 'off',
    timeoutMs: Number.isFinite(timeout) && timeout >= 50 ? timeout : 1_500,
  };
}
