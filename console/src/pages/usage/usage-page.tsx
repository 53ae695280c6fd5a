import { useMemo, useState } from 'preact/hooks';
import { must } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { SelectField, TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { formatCount, formatMs, formatUsd, fromLocalInput, toLocalInput } from '../../format';
import { navigate } from '../../router';
import { useSession } from '../../session/session-context';
import { alignUsageSeries, intervalFor, totalsOf, type Interval, type Metric, type UsageSeries } from './align-usage-series';
import { ShadowComparison } from './shadow-comparison';
import { PALETTE, UsageChart, type ChartLine } from './usage-chart';

/** 'total' is no grouping: the API's one series, "total". */
type GroupBy = NonNullable<UsageSeries['groupBy']> | 'total';
const RANGES: Array<{ value: string; label: string; ms: number }> = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];
const GROUPS: Array<{ value: GroupBy; label: string }> = [
  { value: 'total', label: 'Nothing (all traffic)' },
  { value: 'endpoint', label: 'Endpoint' },
  { value: 'provider', label: 'Provider' },
  { value: 'model', label: 'Model' },
  { value: 'user', label: 'User' },
  { value: 'api', label: 'Client API' },
  { value: 'status', label: 'Status class' },
  { value: 'run', label: 'Agent run' },
];

/** from/to for a query: a preset range ends now (rounded to the minute so reloads share a key). */
function rangeOf(query: URLSearchParams): { from: string; to: string; range: string } {
  const range = query.get('range') ?? '24h';
  const preset = RANGES.find((r) => r.value === range);
  if (range === 'custom' && query.get('from') && query.get('to')) return { from: query.get('from')!, to: query.get('to')!, range };
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  return { from: new Date(to - (preset ?? RANGES[2]!).ms).toISOString(), to: new Date(to).toISOString(), range: preset ? range : '24h' };
}

export function UsagePage({ query }: { query: URLSearchParams }) {
  const { api } = useSession();
  const { from, to, range } = rangeOf(query);
  const groupBy: GroupBy = GROUPS.find((g) => g.value === (query.get('groupBy') ?? 'endpoint'))?.value ?? 'endpoint';
  const chosenInterval = query.get('interval') as Interval | null;
  const interval: Interval =
    chosenInterval && ['minute', 'hour', 'day'].includes(chosenInterval) ? chosenInterval : intervalFor(Date.parse(to) - Date.parse(from));
  const [tick, setTick] = useState(0);
  const usage = useLoad(
    () => must(api.GET('/api/v1/usage/series', { params: { query: { from, to, interval, ...(groupBy !== 'total' ? { groupBy } : {}) } } })),
    [from, to, interval, groupBy, tick],
  );
  const set = (patch: Record<string, string | undefined>) =>
    navigate(['usage'], { range, groupBy, interval: chosenInterval ?? undefined, ...(range === 'custom' ? { from, to } : {}), ...patch });

  return (
    <>
      <h1 tabIndex={-1}>Usage</h1>
      <form class="filters" aria-label="Usage range and grouping" onSubmit={(e) => (e.preventDefault(), setTick(tick + 1))}>
        <SelectField
          label="Range"
          name="range"
          value={range}
          onChange={(r) => set(r === 'custom' ? { range: r, from, to } : { range: r, from: undefined, to: undefined })}
          options={[...RANGES.map(({ value, label }) => ({ value, label })), { value: 'custom', label: 'Custom…' }]}
        />
        {range === 'custom' ? (
          <>
            <TextField
              label="From"
              name="from"
              type="datetime-local"
              value={toLocalInput(from)}
              onInput={(v) => fromLocalInput(v) && set({ from: fromLocalInput(v) })}
            />
            <TextField
              label="To"
              name="to"
              type="datetime-local"
              value={toLocalInput(to)}
              onInput={(v) => fromLocalInput(v) && set({ to: fromLocalInput(v) })}
            />
          </>
        ) : null}
        <SelectField
          label="Interval"
          name="interval"
          value={chosenInterval ?? ''}
          onChange={(i) => set({ interval: i || undefined })}
          options={[
            { value: '', label: `Automatic (${interval})` },
            { value: 'minute', label: 'Minute' },
            { value: 'hour', label: 'Hour' },
            { value: 'day', label: 'Day' },
          ]}
        />
        <SelectField label="Group by" name="groupBy" value={groupBy} onChange={(g) => set({ groupBy: g })} options={GROUPS} />
        <div class="actions">
          <button type="submit">Refresh</button>
        </div>
      </form>
      <ErrorNotice error={usage.error} />
      {usage.data ? <UsageCharts data={usage.data} groupBy={groupBy} /> : usage.error ? null : <Loading what="usage" />}
      <ShadowComparison from={from} to={to} tick={tick} />
    </>
  );
}

function UsageCharts({ data, groupBy }: { data: UsageSeries; groupBy: GroupBy }) {
  const charts = useMemo(() => {
    const lines = (metric: Metric, missing: 0 | null, dash?: number[], suffix = '') => {
      const aligned = alignUsageSeries(data, metric, missing);
      return {
        xs: aligned.xs,
        lines: aligned.columns.map((c, i): ChartLine => ({ label: `${c.key}${suffix}`, values: c.values, color: PALETTE[i % PALETTE.length]!, dash })),
      };
    };
    const p50 = lines('p50LatencyMs', null, undefined, ' p50');
    const p95 = lines('p95LatencyMs', null, [6, 4], ' p95');
    return {
      requests: lines('requests', 0),
      errors: lines('errors', 0),
      latency: { xs: p50.xs, lines: p50.lines.flatMap((l, i) => [l, p95.lines[i]!]) },
      tokens: lines('totalTokens', 0),
      cost: lines('costUsd', 0),
    };
  }, [data]);
  const totals = useMemo(() => totalsOf(data), [data]);

  if (data.series.length === 0 || totals.every((t) => t.requests === 0)) return <p class="empty">No traffic in this range.</p>;
  const count = (v: number) => formatCount(Math.round(v));
  return (
    <>
      <div class="charts">
        <UsageChart id="requests" title="Requests" {...charts.requests} format={count} whole />
        <UsageChart id="errors" title="Errors (status ≥ 400)" {...charts.errors} format={count} whole />
        <UsageChart id="latency" title="Latency p50 (solid) and p95 (dashed)" {...charts.latency} format={(v) => formatMs(v)} points />
        <UsageChart id="tokens" title="Tokens" {...charts.tokens} format={count} whole />
        <UsageChart id="cost" title="Cost (USD)" {...charts.cost} format={(v) => formatUsd(v)} />
      </div>
      {data.omittedSeries > 0 ? (
        <p class="hint">
          The {data.series.length} busiest groups are shown; {data.omittedSeries} quieter ones are left out.
        </p>
      ) : null}
      <table class="data usage-totals">
        <caption>Totals in this range{groupBy !== 'total' ? ` by ${GROUPS.find((g) => g.value === groupBy)!.label.toLowerCase()}` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">{groupBy !== 'total' ? GROUPS.find((g) => g.value === groupBy)!.label : 'Traffic'}</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Worst p95 latency</th>
          </tr>
        </thead>
        <tbody>
          {totals.map((t) => (
            <tr key={t.key} data-group={t.key}>
              <th scope="row">{t.key}</th>
              <td data-metric="requests">{formatCount(t.requests)}</td>
              <td data-metric="errors">{formatCount(t.errors)}</td>
              <td data-metric="tokens">{formatCount(t.totalTokens)}</td>
              <td data-metric="cost">{formatUsd(t.costUsd)}</td>
              <td>{formatMs(t.maxP95LatencyMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
