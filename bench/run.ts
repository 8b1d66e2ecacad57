/**
 * The benchmark suite. Each section is a module under bench/sections/ exporting `run(options)` that
 * measures Distillery against a real peer in the same run and rewrites its own part of
 * docs/benchmarks.md and docs/benchmarks.json.
 *   npm run bench                               # every section, full size, 3 repeats
 *   npm run bench -- --quick                    # the small version CI runs (one repeat, small sets), written to .bench-quick/
 *   npm run bench -- --out=DIR                  # where benchmarks.md/.json and charts go (default docs/, or .bench-quick/ with --quick)
 *   npm run bench -- --only=student-vs-fasttext,machinery
 *   npm run bench -- --repeats=5
 *   npm run bench -- --only=student-vs-fasttext --sets=spam-assassin   # a section's own knob
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './options.js';
import { outputDirectory, SECTION_ORDER, setOutputDirectory } from './report.js';

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Section ids with a module present, in report order. */
function availableSections(): string[] {
  return SECTION_ORDER.filter((id) => existsSync(path.join(here, 'sections', `${id}.ts`)));
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`usage: npm run bench -- [--quick] [--only=ID,...] [--repeats=N] [--out=DIR]\n  --quick     small sets, one repeat (what CI runs); written to .bench-quick/ unless --out is given\n  --only      run some sections\n  --repeats   repeats for min / median / max (default 3, 1 with --quick)\n  --out       output folder (default docs/)\nsections: ${availableSections().join(', ')}\n`);
    return;
  }
  const quick = process.argv.includes('--quick');
  const repeats = Number(argument('repeats') ?? (quick ? 1 : 3));
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive integer');
  setOutputDirectory(argument('out') ?? (quick ? '.bench-quick' : 'docs'));
  const available = availableSections();
  const only = argument('only')?.split(',').filter(Boolean) ?? null;
  const unknown = (only ?? []).filter((id) => !available.includes(id));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${available.join(', ')}`);
  const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
  const command = `npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
  const options: BenchOptions = { quick, repeats, command, argument };
  for (const id of available) {
    if (only && !only.includes(id)) continue;
    const started = performance.now();
    process.stderr.write(`== ${id}\n`);
    const module = (await import(`./sections/${id}.ts`)) as { run(options: BenchOptions): Promise<void> };
    await module.run(options);
    process.stderr.write(`== ${id} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  process.stderr.write(`wrote ${outputDirectory()}/benchmarks.md and ${outputDirectory()}/benchmarks.json\n`);
}

await main();
