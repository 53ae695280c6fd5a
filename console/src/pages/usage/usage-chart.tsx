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

/** One uPlot line chart over time, sized to its container and redrawn when the data changes. */
export function UsageChart({
  title,
  xs,
  lines,
  format,
  id,
}: {
  title: string;
  xs: Aligned['xs'];
  lines: ChartLine[];
  format: (v: number) => string;
  id: string;
}) {
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
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(format), size: 70 }],
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
  }, [xs, lines]);

  return (
    <figure class="chart" data-chart={id} aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}: line chart; the table below has the totals`} />
    </figure>
  );
}
