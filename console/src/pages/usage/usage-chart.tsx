import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Aligned } from './align-usage-series';

// Distinguishable in colour and, for the colour-blind, each with its own dash below.
export const PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626', '#475569', '#ca8a04'];

export interface ChartLine {
  label: string;
  values: Array<number | null>;
  color: string;
  dash?: number[];
}

// Tick steps for counts: whole numbers only (no "0.5 requests").
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 1e8, 1e9];

const SPARSE = 40;

interface Props {
  title: string;
  id: string;
  xs: Aligned['xs'];
  lines: ChartLine[];
  format: (v: number) => string;
  /** Counts: whole-number ticks. */
  whole?: boolean;
  /** Mark the points of sparse lines: for figures with gaps (latency), where a lone bucket has no line to draw. */
  points?: boolean;
}

/** One uPlot line chart over time, sized to its container and redrawn when the data changes. */
export function UsageChart({ title, xs, lines, format, id, whole, points }: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const plot = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 220,
        series: [
          {},
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.color,
            width: 2,
            dash: l.dash,
            spanGaps: false,
            ...(points && l.values.filter((v) => v !== null).length <= SPARSE ? { points: { show: true, size: 6, fill: l.color } } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(format), size: 70, ...(whole ? { incrs: WHOLE_STEPS } : {}) }],
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      [xs, ...lines.map((l) => l.values)] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [xs, lines, whole, points]);

  return (
    <figure class="chart" data-chart={id} aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}: line chart; the table below has the totals`} />
    </figure>
  );
}
