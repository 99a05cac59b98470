/**
 * A small SVG plotter for the report: stacked panels sharing a time axis,
 * each series decimated to the min and max of every pixel column so that
 * 10,000 seconds of samples stay a few kilobytes and no spike is lost.
 */

export interface Series {
  label: string;
  color: string;
  values: Float64Array;
}

export interface Panel {
  title: string;
  unit: string;
  /** log10 axis of |value|, or a linear one. */
  scale: 'log' | 'linear';
  min: number;
  max: number;
  series: Series[];
  /** Horizontal dashed lines: thresholds. */
  limits?: { value: number; label: string }[];
}

const WIDTH = 900;
const PANEL_HEIGHT = 220;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 50;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function plot(title: string, seconds: number, panels: Panel[], markers: { time: number; label: string }[] = []): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const height = TOP + panels.length * (PANEL_HEIGHT + GAP) + 10;
  const out: string[] = [];
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + WIDTH + '" height="' + height + '" viewBox="0 0 ' + WIDTH + ' ' + height +
    '" font-family="sans-serif" font-size="11">');
  out.push('<rect width="100%" height="100%" fill="white"/>');
  out.push('<text x="' + WIDTH / 2 + '" y="20" text-anchor="middle" font-size="14">' + escape(title) + '</text>');
  const x = (t: number) => LEFT + (t / seconds) * plotWidth;
  panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL_HEIGHT + GAP);
    const transform = panel.scale === 'log'
      ? (v: number) => Math.log10(Math.max(Math.abs(v), panel.min))
      : (v: number) => v;
    const lo = transform(panel.min);
    const hi = transform(panel.max);
    const y = (v: number) => {
      const tv = Math.min(hi, Math.max(lo, transform(v)));
      return top + PANEL_HEIGHT - ((tv - lo) / (hi - lo)) * PANEL_HEIGHT;
    };
    out.push('<text x="' + LEFT + '" y="' + (top - 6) + '">' + escape(panel.title + ' (' + panel.unit + ')') + '</text>');
    out.push('<rect x="' + LEFT + '" y="' + top + '" width="' + plotWidth + '" height="' + PANEL_HEIGHT + '" fill="none" stroke="#888"/>');
    // y ticks
    const ticks: number[] = [];
    if (panel.scale === 'log') {
      for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) ticks.push(Math.pow(10, e));
    } else {
      const step = niceStep((panel.max - panel.min) / 4);
      for (let v = Math.ceil(panel.min / step) * step; v <= panel.max + 1e-12; v += step) ticks.push(v);
    }
    for (const v of ticks) {
      const yy = y(v).toFixed(1);
      out.push('<line x1="' + LEFT + '" x2="' + (LEFT + plotWidth) + '" y1="' + yy + '" y2="' + yy + '" stroke="#eee"/>');
      out.push('<text x="' + (LEFT - 4) + '" y="' + yy + '" text-anchor="end" dominant-baseline="middle">' + formatTick(v, panel.scale) + '</text>');
    }
    // x ticks
    const xstep = niceStep(seconds / 8);
    for (let t = 0; t <= seconds + 1e-9; t += xstep) {
      out.push('<text x="' + x(t).toFixed(1) + '" y="' + (top + PANEL_HEIGHT + 14) + '" text-anchor="middle">' + t + '</text>');
    }
    out.push('<text x="' + (LEFT + plotWidth) + '" y="' + (top + PANEL_HEIGHT + 28) + '" text-anchor="end">simulated time (s)</text>');
    for (const limit of panel.limits ?? []) {
      const yy = y(limit.value).toFixed(1);
      out.push('<line x1="' + LEFT + '" x2="' + (LEFT + plotWidth) + '" y1="' + yy + '" y2="' + yy + '" stroke="#c00" stroke-dasharray="6 4"/>');
      out.push('<text x="' + (LEFT + plotWidth - 4) + '" y="' + (+yy - 4) + '" text-anchor="end" fill="#c00">' + escape(limit.label) + '</text>');
    }
    for (const marker of markers) {
      const xx = x(marker.time).toFixed(1);
      out.push('<line x1="' + xx + '" x2="' + xx + '" y1="' + top + '" y2="' + (top + PANEL_HEIGHT) + '" stroke="#080" stroke-dasharray="3 3"/>');
      if (index === 0) out.push('<text x="' + (+xx + 4) + '" y="' + (top + 12) + '" fill="#080">' + escape(marker.label) + '</text>');
    }
    panel.series.forEach((series, si) => {
      out.push('<polyline fill="none" stroke="' + series.color + '" stroke-width="1" points="' + decimate(series.values, plotWidth, x, y) + '"/>');
      out.push('<text x="' + (LEFT + 8 + si * 160) + '" y="' + (top + PANEL_HEIGHT - 8) + '" fill="' + series.color + '">' + escape(series.label) + '</text>');
    });
  });
  out.push('</svg>');
  return out.join('\n');
}

function decimate(values: Float64Array, columns: number, x: (t: number) => number, y: (v: number) => number): string {
  const points: string[] = [];
  const n = values.length;
  const perColumn = Math.max(1, Math.floor(n / columns));
  for (let start = 0; start < n; start += perColumn) {
    let minIndex = -1;
    let maxIndex = -1;
    for (let k = start; k < Math.min(n, start + perColumn); k++) {
      const v = values[k];
      if (v !== v) continue;
      if (minIndex < 0 || y(v) > y(values[minIndex])) minIndex = k;
      if (maxIndex < 0 || y(v) < y(values[maxIndex])) maxIndex = k;
    }
    if (minIndex < 0) continue;
    const first = Math.min(minIndex, maxIndex);
    const second = Math.max(minIndex, maxIndex);
    points.push(x(first).toFixed(1) + ',' + y(values[first]).toFixed(1));
    if (second !== first) points.push(x(second).toFixed(1) + ',' + y(values[second]).toFixed(1));
  }
  return points.join(' ');
}

function niceStep(raw: number): number {
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

function formatTick(v: number, scale: 'log' | 'linear'): string {
  if (scale === 'log') return '1e' + Math.round(Math.log10(v));
  return Math.abs(v) < 1e-12 ? '0' : String(+v.toPrecision(3));
}
