import { must, type Schemas } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { ErrorNotice } from '../../components/notices';
import { formatCount, formatMs, formatUsd } from '../../format';
import { useSession } from '../../session/session-context';

type ShadowGroup = Schemas['ShadowGroup'];

const rate = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)}%`);
const signed = (v: number | null, format: (n: number) => string) => (v === null ? '–' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${format(Math.abs(v))}`);

/**
 * Shadow traffic in the range, per endpoint and shadow model: how often the
 * candidate answered as the serving model did, and what it would change in
 * latency and cost (GET /api/v1/usage/shadow). Shown only when there is any.
 */
export function ShadowComparison({ from, to, tick }: { from: string; to: string; tick: number }) {
  const { api } = useSession();
  const report = useLoad(() => must(api.GET('/api/v1/usage/shadow', { params: { query: { from, to } } })), [from, to, tick]);
  if (report.error) return <ErrorNotice error={report.error} />;
  const groups: ShadowGroup[] = report.data?.groups ?? [];
  if (groups.length === 0) return null;
  return (
    <table class="data shadow-comparison">
      <caption>Shadow traffic: the candidate model beside the serving one</caption>
      <thead>
        <tr>
          <th scope="col">Endpoint</th>
          <th scope="col">Shadow model</th>
          <th scope="col">Compared</th>
          <th scope="col">Failed / skipped</th>
          <th scope="col">Exact match</th>
          <th scope="col">Same tool calls</th>
          <th scope="col">Text similarity</th>
          <th scope="col">Latency Δ p50</th>
          <th scope="col">Cost Δ</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={`${g.endpoint}/${g.provider}/${g.model}`} data-endpoint={g.endpoint}>
            <th scope="row">{g.endpoint}</th>
            <td>
              {g.provider} {g.model}
            </td>
            <td data-metric="compared">{formatCount(g.compared)}</td>
            <td>
              {formatCount(g.failed)} / {formatCount(g.skipped)}
            </td>
            <td data-metric="exact">{rate(g.exactMatchRate)}</td>
            <td>{g.toolCallPairs ? `${rate(g.sameToolCallsRate)} of ${formatCount(g.toolCallPairs)}` : '–'}</td>
            <td>{g.meanTextSimilarity === null ? '–' : g.meanTextSimilarity.toFixed(2)}</td>
            <td>{signed(g.latencyDeltaMs.p50, formatMs)}</td>
            <td>{signed(g.costDeltaUsd.total, formatUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
