/**
 * Runs the lexical part of the `evidence` section alone and publishes it (partial: the KGW entries
 * are another script's):
 *   node --import tsx bench/evidence/run-lexical.ts [--quick] [--lexical-seeds=N] [--lexical-robust-seeds=N] [--lexical-train=N] …
 * (the knobs of bench/evidence/lexical.ts; this script runs only the lexical part, so it still reads
 * their unprefixed names of earlier runs, --seeds=N and so on).
 */
import type { BenchOptions } from '../options.js';
import { machineFacts, setOutputDirectory, writeSection } from '../report.js';
import { lexicalEvidence } from './lexical.js';

const exact = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const argument = (name: string) => exact(name) ?? (name.startsWith('lexical-') ? exact(name.slice('lexical-'.length)) : undefined);
const quick = process.argv.includes('--quick');
setOutputDirectory(argument('out') ?? (quick ? '.bench-quick' : 'docs'));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const options: BenchOptions = { quick, repeats: 1, command: `node --import tsx bench/evidence/run-lexical.ts${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`, argument };
const started = performance.now();
const { entries, intro } = await lexicalEvidence(options);
writeSection({ id: 'evidence', title: 'Evidence of distillation: watermark, distil, trace', entries, quick, facts: machineFacts(), partial: true, ...(intro === undefined ? {} : { intro }) });
process.stderr.write(`evidence (lexical) done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
