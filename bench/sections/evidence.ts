/**
 * `evidence` (issue 11): the story end to end — an owner's model watermarked, distilled by an
 * attacker with Distillery itself, and traced. Two variants: KGW (bench/evidence/kgw.ts: a Distillery
 * language model served with a KGW key behind the guard) and lexical (bench/evidence/lexical.ts: the
 * guard's lexical watermark on a rule-based teacher from npm). Knob: --part=kgw|lexical|all (default
 * all; one part rewrites only its own entries); the other knobs are in those files.
 */
import { kgwEvidence } from '../evidence/kgw.js';
import { lexicalEvidence } from '../evidence/lexical.js';
import type { BenchOptions } from '../options.js';
import { machineFacts, writeSection, type BenchmarkEntry } from '../report.js';

const TITLE = 'Evidence of distillation: watermark, distil, trace';

/** Runs the section and writes its entries. */
export async function run(options: BenchOptions): Promise<void> {
  const part = options.argument('part') ?? 'all';
  if (!['all', 'kgw', 'lexical'].includes(part)) throw new Error(`--part must be all, kgw or lexical, got ${part}`);
  const parts: Array<{ entries: BenchmarkEntry[]; intro?: string }> = [];
  if (part !== 'lexical') parts.push(await kgwEvidence(options));
  if (part !== 'kgw') parts.push(await lexicalEvidence(options));
  const intro = parts.flatMap((one) => (one.intro === undefined ? [] : [one.intro])).join('\n\n');
  writeSection({ id: 'evidence', title: TITLE, quick: options.quick, facts: machineFacts(), entries: parts.flatMap((one) => one.entries), partial: part !== 'all', ...(intro === '' || part !== 'all' ? {} : { intro }) });
}
