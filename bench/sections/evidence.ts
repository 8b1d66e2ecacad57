/**
 * `evidence` (issue 11): the story end to end — an owner's model watermarked, distilled by an
 * attacker with Distillery itself, and traced. The KGW variant is measured in bench/evidence/kgw.ts
 * (a Distillery language model served with a KGW key behind the guard). Knobs: see that file.
 */
import { kgwEvidence } from '../evidence/kgw.js';
import type { BenchOptions } from '../options.js';
import { machineFacts, writeSection, type BenchmarkEntry } from '../report.js';

/** Runs the section and writes its entries. */
export async function run(options: BenchOptions): Promise<void> {
  const parts: Array<{ entries: BenchmarkEntry[]; intro?: string }> = [await kgwEvidence(options)];
  const intro = parts.flatMap((part) => (part.intro === undefined ? [] : [part.intro])).join('\n\n');
  writeSection({ id: 'evidence', title: 'Evidence of distillation: watermark, distil, trace', quick: options.quick, facts: machineFacts(), entries: parts.flatMap((part) => part.entries), ...(intro === '' ? {} : { intro }) });
}
