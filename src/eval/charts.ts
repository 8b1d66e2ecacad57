/** Small hand-written SVG charts for the HTML report: no dependencies, no external assets. */

const FONT = 'font-family="system-ui, sans-serif"';
/** Rough width of one character at 11–14 px, for sizing margins to labels without measuring text. */
const CHAR_WIDTH = 6.5;
const TITLE_CHAR_WIDTH = 8;
const AXIS_COLOUR = '#888';
const BAR_COLOUR = 'steelblue';
const BAR_PLOT_WIDTH = 300;

/** Escapes text for SVG/HTML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function text(x: number, y: number, content: string, attributes = '', fontSize = 11): string {
  return `<text x="${round(x)}" y="${round(y)}" font-size="${fontSize}" ${FONT} ${attributes}>${escapeXml(content)}</text>`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Wraps a chart body; the canvas grows to fit the title, so a long title is never clipped. */
function svg(width: number, height: number, title: string, body: string): string {
  const fitted = Math.ceil(Math.max(width, title.length * TITLE_CHAR_WIDTH + 20));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${fitted}" height="${Math.ceil(height)}" viewBox="0 0 ${fitted} ${Math.ceil(height)}" role="img" aria-label="${escapeXml(title)}">`
    + `<text x="${fitted / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600" ${FONT}>${escapeXml(title)}</text>${body}</svg>`;
}

/** Heatmap of a confusion matrix (rows: reference, columns: student); green diagonal, red errors. */
export function confusionHeatmap(labels: readonly string[], matrix: readonly (readonly number[])[], reference: string): string {
  const cell = Math.max(12, Math.min(40, Math.floor(560 / Math.max(1, labels.length))));
  const longest = Math.max(1, ...labels.map((label) => label.length));
  const left = 34 + longest * CHAR_WIDTH;
  // Column labels are rotated 45°, so they rise by about 0.7 of their length.
  const top = 44 + longest * CHAR_WIDTH * 0.75;
  const size = cell * labels.length;
  const max = Math.max(1, ...matrix.flat());
  let body = '';
  matrix.forEach((row, rowIndex) => {
    row.forEach((count, columnIndex) => {
      // Square-root scale: a few big diagonal cells would otherwise wash out every error.
      const lightness = count === 0 ? 100 : Math.round(92 - 62 * Math.sqrt(count / max));
      const hue = rowIndex === columnIndex ? 145 : 8;
      const x = left + columnIndex * cell;
      const y = top + rowIndex * cell;
      const tip = `${reference} ${labels[rowIndex] ?? ''} → student ${labels[columnIndex] ?? ''}: ${count}`;
      body += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="hsl(${hue} 60% ${lightness}%)" stroke="#ddd"><title>${escapeXml(tip)}</title></rect>`;
      if (count > 0 && cell >= 20) body += text(x + cell / 2, y + cell / 2 + 4, String(count), `text-anchor="middle" fill="${lightness < 55 ? 'white' : '#222'}"`);
    });
  });
  labels.forEach((label, index) => {
    const middle = index * cell + cell / 2;
    body += text(left - 6, top + middle + 4, label, 'text-anchor="end"');
    body += text(left + middle, top - 6, label, `transform="rotate(-45 ${round(left + middle)} ${round(top - 6)})"`);
  });
  body += text(left + size / 2, top + size + 22, "student's label", 'text-anchor="middle"', 12);
  body += text(14, top + size / 2, `${reference}'s label`, `text-anchor="middle" transform="rotate(-90 14 ${round(top + size / 2)})"`, 12);
  const legend = `green: same label, red: different; darker = more (max ${max})`;
  body += text(10, top + size + 40, legend, 'fill="#555"');
  return svg(Math.max(left + size + 24, legend.length * CHAR_WIDTH + 20), top + size + 52, `Confusion matrix (rows: ${reference}, columns: student)`, body);
}

/** Reliability diagram: accuracy per confidence bin against the diagonal; pale bars hold few predictions. */
export function reliabilityDiagram(bins: readonly { lower: number; upper: number; count: number; accuracy: number; meanConfidence: number }[], title: string): string {
  const left = 56;
  const top = 34;
  const size = 280;
  const total = Math.max(1, bins.reduce((sum, bin) => sum + bin.count, 0));
  let body = `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="${AXIS_COLOUR}"/>`;
  for (const tick of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    body += `<line x1="${left}" y1="${round(top + size - tick * size)}" x2="${left + size}" y2="${round(top + size - tick * size)}" stroke="#eee"/>`;
    body += text(left + tick * size, top + size + 15, tick.toFixed(1), 'text-anchor="middle"');
    body += text(left - 6, top + size - tick * size + 4, tick.toFixed(1), 'text-anchor="end"');
  }
  for (const bin of bins) {
    if (bin.count === 0) continue;
    const x = left + bin.lower * size;
    const height = bin.accuracy * size;
    // Opacity by share of predictions: a bin of 2 predictions at accuracy 1.0 should not look like evidence.
    const opacity = round(0.25 + 0.75 * Math.min(1, (bin.count / total) * 8));
    const tip = `confidence ${bin.lower.toFixed(2)}–${bin.upper.toFixed(2)}: ${bin.count} predictions, accuracy ${(bin.accuracy * 100).toFixed(1)}%`;
    body += `<rect x="${round(x + 1)}" y="${round(top + size - height)}" width="${round((bin.upper - bin.lower) * size - 2)}" height="${round(height)}" fill="${BAR_COLOUR}" opacity="${opacity}"><title>${escapeXml(tip)}</title></rect>`;
  }
  body += `<line x1="${left}" y1="${top + size}" x2="${left + size}" y2="${top}" stroke="#444" stroke-dasharray="4 3"/>`;
  body += text(left + size / 2, top + size + 32, "student's confidence (top probability)", 'text-anchor="middle"', 12);
  body += text(16, top + size / 2, 'accuracy', `text-anchor="middle" transform="rotate(-90 16 ${top + size / 2})"`, 12);
  body += text(left, top + size + 50, 'dashed: perfect calibration; pale bars: few predictions', 'fill="#555"');
  return svg(left + size + 24, top + size + 62, title, body);
}

/** Horizontal bars on a linear axis from 0 to `max` (default: the largest value); `format` labels each value. */
export function horizontalBars(items: readonly { label: string; value: number }[], title: string, options: { max?: number; format?: (value: number) => string; axisLabel?: string } = {}): string {
  const format = options.format ?? ((value: number) => value.toFixed(2));
  const max = Math.max(1e-12, options.max ?? Math.max(0, ...items.map((item) => item.value)));
  return barChart(items, title, { position: (value) => Math.max(0, Math.min(1, value / max)), format, ticks: [0, 0.5, 1].map((share) => ({ at: share, label: format(share * max) })), axisLabel: options.axisLabel });
}

/**
 * Horizontal bars on a log axis with a tick per decade: student and teacher latency or cost differ by
 * orders of magnitude, which a linear axis would flatten to one visible bar. Zero or missing values get
 * no bar, only their text.
 */
export function logBars(items: readonly { label: string; value: number }[], title: string, options: { format: (value: number) => string; tickFormat?: (value: number) => string; axisLabel?: string }): string {
  const positive = items.map((item) => item.value).filter((value) => Number.isFinite(value) && value > 0);
  const range = positive.length > 0 ? positive : [1];
  const low = Math.floor(Math.log10(Math.min(...range)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...range))));
  // A quarter decade below the lowest tick, so the smallest value still gets a visible bar.
  const position = (value: number) => (value > 0 && Number.isFinite(value) ? (Math.log10(value) - low + 0.25) / (high - low + 0.25) : 0);
  const decades = Array.from({ length: high - low + 1 }, (_, index) => low + index);
  // Label every decade while they fit (~50 px each), else every second or third one.
  const step = Math.ceil((50 * decades.length) / BAR_PLOT_WIDTH);
  const tickFormat = options.tickFormat ?? options.format;
  const ticks = decades.filter((_, index) => index % step === 0).map((exponent) => ({ at: position(10 ** exponent), label: tickFormat(10 ** exponent) }));
  return barChart(items, title, { position, format: options.format, ticks, axisLabel: options.axisLabel ? `${options.axisLabel} (log scale)` : 'log scale' });
}

interface BarLayout {
  /** Where a value's bar ends, as a share (0..1) of the plot width. */
  position: (value: number) => number;
  format: (value: number) => string;
  ticks: Array<{ at: number; label: string }>;
  axisLabel: string | undefined;
}

function barChart(items: readonly { label: string; value: number }[], title: string, layout: BarLayout): string {
  const left = 16 + Math.max(4, ...items.map((item) => item.label.length)) * CHAR_WIDTH;
  const width = BAR_PLOT_WIDTH;
  const row = 20;
  const top = 32;
  const bottom = top + items.length * row;
  let body = '';
  for (const tick of layout.ticks) {
    const x = left + tick.at * width;
    body += `<line x1="${round(x)}" y1="${top}" x2="${round(x)}" y2="${bottom + 4}" stroke="#e4e4e4"/>`;
    body += text(x, bottom + 16, tick.label, 'text-anchor="middle" fill="#555"');
  }
  items.forEach((item, index) => {
    const y = top + index * row;
    const length = layout.position(item.value) * width;
    body += text(left - 6, y + 14, item.label, 'text-anchor="end"');
    if (length > 0) body += `<rect x="${left}" y="${y + 3}" width="${round(Math.max(1, length))}" height="${row - 6}" fill="${BAR_COLOUR}"><title>${escapeXml(`${item.label}: ${layout.format(item.value)}`)}</title></rect>`;
    body += text(left + Math.max(1, length) + 4, y + 14, layout.format(item.value));
  });
  body += `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="${AXIS_COLOUR}"/>`;
  if (layout.axisLabel) body += text(left + width / 2, bottom + 34, layout.axisLabel, 'text-anchor="middle"', 12);
  return svg(left + width + 90, bottom + (layout.axisLabel ? 44 : 26), title, body);
}

/** One series of a line chart. */
export interface LineSeries {
  name: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Drawn dashed (e.g. a reference or a peer). */
  dashed?: boolean;
}

/** Options of `lineChart`. */
export interface LineChartOptions {
  xLabel: string;
  yLabel: string;
  /** Log-scale x axis (decade ticks); values ≤ 0 are dropped. */
  logX?: boolean;
  xFormat?: (value: number) => string;
  yFormat?: (value: number) => string;
  /** Fixed y range; default the data's range. */
  yRange?: [number, number];
  /** Fixed x range; default the data's range. */
  xRange?: [number, number];
  /** Horizontal reference lines, e.g. 95 % agreement. */
  yMarks?: ReadonlyArray<{ at: number; label: string }>;
}

const SERIES_COLOURS = ['steelblue', '#d95f02', '#1b9e77', '#7570b3', '#e7298a', '#66a61e', '#a6761d', '#555'];

/** Line chart of several series with a legend: learning curves, ROC curves, throughput vs load. */
export function lineChart(series: readonly LineSeries[], title: string, options: LineChartOptions): string {
  const usable = series.map((entry) => ({ ...entry, points: entry.points.filter((point) => Number.isFinite(point.x) && Number.isFinite(point.y) && (!options.logX || point.x > 0)) }));
  const xs = usable.flatMap((entry) => entry.points.map((point) => point.x));
  const ys = usable.flatMap((entry) => entry.points.map((point) => point.y));
  const transform = (x: number) => (options.logX ? Math.log10(x) : x);
  const marks = (options.yMarks ?? []).map((mark) => mark.at);
  // A log axis spans the data's own decades; a linear one starts at 0 so differences are not exaggerated.
  const [xLow, xHigh] = options.xRange ?? (options.logX ? [Math.min(...xs), Math.max(...xs)] : [Math.min(...xs, 0), Math.max(...xs, 1)]);
  const [yLow, yHigh] = options.yRange ?? [Math.min(...ys, ...marks, 0), Math.max(...ys, ...marks, 1e-12)];
  const tx0 = transform(xLow);
  const tx1 = Math.max(tx0 + 1e-9, transform(xHigh));
  const yHighSafe = Math.max(yLow + 1e-9, yHigh);
  const left = 64;
  const top = 34;
  const width = 420;
  const height = 240;
  const px = (x: number) => left + ((transform(x) - tx0) / (tx1 - tx0)) * width;
  const py = (y: number) => top + height - ((Math.min(yHighSafe, Math.max(yLow, y)) - yLow) / (yHighSafe - yLow)) * height;
  const xFormat = options.xFormat ?? ((value: number) => String(Number(value.toPrecision(3))));
  const yFormat = options.yFormat ?? ((value: number) => String(Number(value.toPrecision(3))));
  let body = `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="${AXIS_COLOUR}"/>`;
  const xTicks = options.logX
    ? Array.from({ length: Math.max(0, Math.floor(tx1) - Math.ceil(tx0) + 1) }, (_, index) => 10 ** (Math.ceil(tx0) + index)).concat(Math.floor(tx1) - Math.ceil(tx0) < 1 ? [xLow, xHigh] : [])
    : Array.from({ length: 5 }, (_, index) => xLow + ((xHigh - xLow) * index) / 4);
  for (const tick of xTicks) {
    const x = px(tick);
    body += `<line x1="${round(x)}" y1="${top}" x2="${round(x)}" y2="${top + height}" stroke="#eee"/>` + text(x, top + height + 14, xFormat(tick), 'text-anchor="middle" fill="#555"');
  }
  for (let index = 0; index <= 4; index++) {
    const value = yLow + ((yHighSafe - yLow) * index) / 4;
    const y = py(value);
    body += `<line x1="${left}" y1="${round(y)}" x2="${left + width}" y2="${round(y)}" stroke="#eee"/>` + text(left - 6, y + 4, yFormat(value), 'text-anchor="end" fill="#555"');
  }
  for (const mark of options.yMarks ?? []) {
    const y = py(mark.at);
    body += `<line x1="${left}" y1="${round(y)}" x2="${left + width}" y2="${round(y)}" stroke="#c33" stroke-dasharray="2 3"/>` + text(left + width - 4, y - 4, mark.label, 'text-anchor="end" fill="#c33"');
  }
  usable.forEach((entry, index) => {
    const colour = SERIES_COLOURS[index % SERIES_COLOURS.length] as string;
    const sorted = [...entry.points].sort((a, b) => a.x - b.x);
    const path = sorted.map((point, at) => `${at === 0 ? 'M' : 'L'}${round(px(point.x))},${round(py(point.y))}`).join(' ');
    if (sorted.length > 0) body += `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
    for (const point of sorted) body += `<circle cx="${round(px(point.x))}" cy="${round(py(point.y))}" r="2.5" fill="${colour}"><title>${escapeXml(`${entry.name}: ${xFormat(point.x)}, ${yFormat(point.y)}`)}</title></circle>`;
    const legendY = top + 14 + index * 16;
    body += `<line x1="${left + width + 12}" y1="${legendY - 4}" x2="${left + width + 30}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>` + text(left + width + 34, legendY, entry.name);
  });
  body += text(left + width / 2, top + height + 32, options.logX ? `${options.xLabel} (log scale)` : options.xLabel, 'text-anchor="middle"', 12);
  body += text(16, top + height / 2, options.yLabel, `text-anchor="middle" transform="rotate(-90 16 ${top + height / 2})"`, 12);
  const legendWidth = Math.max(...usable.map((entry) => entry.name.length), 4) * CHAR_WIDTH + 44;
  return svg(left + width + legendWidth, top + height + 44, title, body);
}
