import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { SeriesData } from './history.js';

/** Series colours, in order; `.swatch-N` in app.css uses the same ones. */
const PALETTE = ['#1d4ed8', '#c2410c', '#047857'];

const HEIGHT = 84;

function options(width: number, labels: string[]): uPlot.Options {
  const axis: uPlot.Axis = { stroke: '#5b6472', size: 34, font: '10px system-ui, sans-serif', grid: { stroke: '#e3e7ed', width: 1 }, ticks: { show: false } };
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    // Seconds before the latest point: "-60 s" reads at a glance, a clock time does not.
    axes: [{ ...axis, size: 22, values: (u, ticks) => ticks.map((t) => `${Math.round(t - (u.data[0].at(-1) ?? t))} s`) }, axis],
    series: [{}, ...labels.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length] as string, width: 1.5, points: { show: false } }))],
  };
}

/**
 * A small time-series chart. It is decoration for sighted users: the same
 * figures are always printed as text beside it, so it is hidden from assistive tech.
 */
export function Chart({ data, labels }: { data: SeriesData | undefined; labels: string[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const empty: SeriesData = [[], ...labels.map(() => [])];

  useEffect(() => {
    const el = host.current;
    if (el === null) return undefined;
    const chart = new uPlot(options(Math.max(120, el.clientWidth), labels), data ?? empty, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(120, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [labels.length]);

  useEffect(() => {
    if (data !== undefined) plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={host} aria-hidden="true" />;
}

/** The colour key and current value of each series, as text. */
export function Legend({ labels, values, format }: { labels: string[]; values: number[] | undefined; format: (v: number) => string }) {
  return (
    <ul class="legend">
      {labels.map((label, i) => (
        <li key={label}>
          <span class={`swatch swatch-${i}`} aria-hidden="true" />
          {label}: <strong>{format(values?.[i] ?? 0)}</strong>
        </li>
      ))}
    </ul>
  );
}

/** A chart with its figures as text beside it. */
export function Trend(props: { title: string; data: SeriesData | undefined; labels: string[]; values: number[] | undefined; format: (v: number) => string }) {
  return (
    <div class="trend">
      <h4>{props.title}</h4>
      <Legend labels={props.labels} values={props.values} format={props.format} />
      <Chart data={props.data} labels={props.labels} />
    </div>
  );
}
