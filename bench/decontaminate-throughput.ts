/**
 * Decontamination throughput on synthetic pairs (not a suite section: a quick figure for the report).
 *   node --import tsx bench/decontaminate-throughput.ts [--examples=50000] [--repeats=3]
 * Inputs of ~40 and answers of ~60 words drawn from a 5,000-word vocabulary; 80/10/10 splits; 100
 * training examples made to quote a test input, which must be exactly the ones removed.
 */
import { decontaminate } from '../src/data/decontaminate.js';
import type { GenerativeExample } from '../src/data/generative-example.js';
import { seededRandom } from '../src/util/random.js';

const argument = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const count = argument('examples', 50_000);
const repeats = argument('repeats', 3);
const random = seededRandom(7);
const vocabulary = Array.from({ length: 5000 }, (_, index) => `w${index.toString(36)}`);
const sentence = (words: number) => Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');

const examples: GenerativeExample[] = [];
for (let index = 0; index < count; index++) {
  const split = index % 10 === 8 ? 'val' : index % 10 === 9 ? 'test' : 'train';
  const input = `${sentence(35 + Math.floor(random() * 10))}.`;
  examples.push({ id: `x${index}`, split, messages: [{ role: 'system', content: 'Summarise the text.' }, { role: 'user', content: input }], input, answer: sentence(50 + Math.floor(random() * 20)), finishReason: 'stop' });
}
const planted = new Set<string>();
for (let leak = 0; leak < 100; leak++) {
  const target = examples[leak * 10] as GenerativeExample;
  const source = examples[leak * 10 + 9] as GenerativeExample;
  target.input = `${sentence(5)} ${source.input} ${sentence(5)}`;
  planted.add(target.id);
}
const words = examples.reduce((sum, example) => sum + (example.input?.split(' ').length ?? 0) + example.answer.split(' ').length, 0);
const timings: number[] = [];
let removed: string[] = [];
for (let repeat = 0; repeat < repeats; repeat++) {
  const started = process.hrtime.bigint();
  const result = decontaminate(examples);
  timings.push(Number(process.hrtime.bigint() - started) / 1e9);
  removed = result.removed.map((entry) => entry.id);
}
timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)] as number;
const exact = removed.length === planted.size && removed.every((id) => planted.has(id));
process.stdout.write(`${JSON.stringify({ examples: count, words, seconds: timings.map((value) => Number(value.toFixed(3))), medianSeconds: Number(median.toFixed(3)), examplesPerSecond: Math.round(count / median), wordsPerSecond: Math.round(words / median), removed: removed.length, exactlyThePlanted: exact })}\n`);
