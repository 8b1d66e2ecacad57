/** Small hand-written SVG charts for the HTML report: no dependencies, no external assets. */

const FONT = 'font-family="system-ui, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`
    + `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600" ${FONT}>${escapeXml(title)}</text>${body}</svg>`;
}

/** Heatmap of a confusion matrix (rows: reference, columns: predicted), counts in the cells. */
export function confusionHeatmap(labels: readonly string[], matrix: readonly (readonly number[])[], reference: string): string {
  const cell = Math.max(14, Math.min(36, Math.floor(520 / Math.max(1, labels.length))));
  const left = 90;
  const top = 60;
  const size = cell * labels.length;
  const max = Math.max(1, ...matrix.flat());
  let body = '';
  matrix.forEach((row, rowIndex) => {
    row.forEach((count, columnIndex) => {
      const shade = count === 0 ? 1 : 0.92 - 0.8 * Math.sqrt(count / max);
      const fill = rowIndex === columnIndex ? `hsl(145 55% ${Math.round(shade * 100)}%)` : `hsl(8 70% ${Math.round(shade * 100)}%)`;
      const x = left + columnIndex * cell;
      const y = top + rowIndex * cell;
      body += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ddd"/>`;
      if (count > 0 && cell >= 18) body += `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="10" ${FONT}>${count}</text>`;
    });
  });
  labels.forEach((label, index) => {
    body += `<text x="${left - 6}" y="${top + index * cell + cell / 2 + 4}" text-anchor="end" font-size="11" ${FONT}>${escapeXml(label)}</text>`;
    body += `<text x="${left + index * cell + cell / 2}" y="${top - 6}" text-anchor="start" font-size="11" ${FONT} transform="rotate(-45 ${left + index * cell + cell / 2} ${top - 6})">${escapeXml(label)}</text>`;
  });
  body += `<text x="${left + size / 2}" y="${top + size + 24}" text-anchor="middle" font-size="12" ${FONT}>student's label</text>`;
  body += `<text x="16" y="${top + size / 2}" text-anchor="middle" font-size="12" ${FONT} transform="rotate(-90 16 ${top + size / 2})">${escapeXml(reference)}'s label</text>`;
  return svg(left + size + 20, top + size + 36, `Confusion matrix (rows: ${reference}, columns: student)`, body);
}

/** Reliability diagram: accuracy per confidence bin against the diagonal. */
export function reliabilityDiagram(bins: readonly { lower: number; upper: number; count: number; accuracy: number }[], title: string): string {
  const left = 50;
  const top = 30;
  const size = 260;
  let body = `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#999"/>`;
  body += `<line x1="${left}" y1="${top + size}" x2="${left + size}" y2="${top}" stroke="#888" stroke-dasharray="4 3"/>`;
  for (const bin of bins) {
    if (bin.count === 0) continue;
    const x = left + bin.lower * size;
    const height = bin.accuracy * size;
    body += `<rect x="${x + 1}" y="${top + size - height}" width="${(bin.upper - bin.lower) * size - 2}" height="${height}" fill="steelblue" opacity="0.8"><title>${bin.count} predictions, accuracy ${(bin.accuracy * 100).toFixed(1)}%</title></rect>`;
  }
  for (const tick of [0, 0.5, 1]) {
    body += `<text x="${left + tick * size}" y="${top + size + 16}" text-anchor="middle" font-size="11" ${FONT}>${tick}</text>`;
    body += `<text x="${left - 6}" y="${top + size - tick * size + 4}" text-anchor="end" font-size="11" ${FONT}>${tick}</text>`;
  }
  body += `<text x="${left + size / 2}" y="${top + size + 32}" text-anchor="middle" font-size="12" ${FONT}>student confidence</text>`;
  body += `<text x="14" y="${top + size / 2}" text-anchor="middle" font-size="12" ${FONT} transform="rotate(-90 14 ${top + size / 2})">accuracy</text>`;
  return svg(left + size + 20, top + size + 40, title, body);
}

/** Horizontal bars, one per item; `format` renders each value's label. */
export function horizontalBars(items: readonly { label: string; value: number }[], title: string, options: { max?: number; format?: (value: number) => string; logScale?: boolean } = {}): string {
  const format = options.format ?? ((value: number) => value.toFixed(2));
  const left = 150;
  const width = 320;
  const row = 20;
  const top = 32;
  const transform = (value: number) => (options.logScale ? Math.log10(1 + value) : value);
  const max = Math.max(1e-9, options.max ?? Math.max(...items.map((item) => transform(item.value))));
  let body = '';
  items.forEach((item, index) => {
    const y = top + index * row;
    const length = Math.max(1, (transform(item.value) / max) * width);
    body += `<text x="${left - 6}" y="${y + 14}" text-anchor="end" font-size="11" ${FONT}>${escapeXml(item.label)}</text>`;
    body += `<rect x="${left}" y="${y + 3}" width="${length}" height="${row - 6}" fill="steelblue"/>`;
    body += `<text x="${left + length + 4}" y="${y + 14}" font-size="11" ${FONT}>${escapeXml(format(item.value))}</text>`;
  });
  return svg(left + width + 90, top + items.length * row + 10, title, body);
}
