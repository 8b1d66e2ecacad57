/**
 * The span tagger student (src/student/span/) on the extract demo's data: the demo's sentences
 * (EXTRACT_DEMO_TASK.corpus: seed 0, 40–250 characters), answered by the demo's teacher (compromise behind
 * its loopback OpenAI-compatible server, over HTTP, bench/extract-student.ts `collectTeacherAnswers`; answers
 * cached in .bench-cache/extract-span-teacher.json by sentence), held-out test sentences as in the
 * `generative` section (`heldOutSentences`), and a validation set (the last --validation sentences of the
 * training pool, never trained on) on which the number of epochs is chosen. Scored with the extract metrics
 * of src/eval (`evaluateExtract`): field F1, exact match, validRate, against the number of teacher calls.
 *   npx tsx bench/extract-span-tagger.ts [--calls=250,500,1000,2000] [--test=400] [--validation=200] [--epochs=5,10,15] [--bits=18] [--unlabelled=0] [--save=file]
 * Prints a table and a last JSON line; load averages beside (timings on a shared machine).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { ENTITY_SCHEMA } from '../src/demo/entity-extractor.js';
import { EXTRACT_DEMO_TASK } from '../src/demo/extract-task.js';
import { buildSentenceCorpus } from '../src/demo/sentence-corpus.js';
import { evaluateExtract } from '../src/eval/generative-evaluation.js';
import { spanTaggerFromBytes, spanTaggerToBytes, trainSpanTagger, type SpanTagger } from '../src/student/span/index.js';
import { collectTeacherAnswers, heldOutSentences, type TeacherAnswered } from './extract-student.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const calls = arg('calls', '250,500,1000,2000').split(',').map(Number).sort((a, b) => a - b);
const testCount = Number(arg('test', '400'));
const validationCount = Number(arg('validation', '200'));
const epochChoices = arg('epochs', '5,10,15').split(',').map(Number);
const bits = Number(arg('bits', '18'));
const unlabelledCount = Number(arg('unlabelled', '0'));
const loadAtStart = os.loadavg();
const started = performance.now();

/** Teacher answers by sentence, from the cache or the teacher. */
async function answersFor(sentences: readonly string[]): Promise<{ answered: TeacherAnswered[]; called: number }> {
  const file = '.bench-cache/extract-span-teacher.json';
  const cache = new Map<string, string>(existsSync(file) ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : []);
  const missing = [...new Set(sentences.filter((sentence) => !cache.has(sentence)))];
  if (missing.length > 0) {
    const collection = await collectTeacherAnswers(missing);
    for (const item of collection.answered) cache.set(item.sentence, item.answer);
    mkdirSync('.bench-cache', { recursive: true });
    writeFileSync(file, JSON.stringify(Object.fromEntries(cache)));
  }
  return { answered: sentences.map((sentence) => ({ sentence, answer: cache.get(sentence) ?? '' })), called: missing.length };
}

const { seed, minChars, maxChars } = EXTRACT_DEMO_TASK.corpus;
const pool = await buildSentenceCorpus({ limit: Math.max(...calls) + validationCount, seed, minChars, maxChars });
const testItems = await heldOutSentences(testCount, new Set(pool.map((item) => item.id)));
const { answered, called } = await answersFor([...pool, ...testItems].map((item) => item.text));
// Unlabelled inputs (no teacher call): another seed's sample of the corpus, minus every test and validation sentence.
const heldOutIds = new Set([...pool.slice(pool.length - validationCount), ...testItems].map((item) => item.id));
const unlabelled = unlabelledCount === 0 ? undefined
  : (await buildSentenceCorpus({ limit: unlabelledCount + heldOutIds.size, seed: 11, minChars, maxChars })).filter((item) => !heldOutIds.has(item.id)).slice(0, unlabelledCount).map((item) => item.text);
const trainPool = answered.slice(0, pool.length - validationCount);
const validation = answered.slice(pool.length - validationCount, pool.length);
const test = answered.slice(pool.length);

function score(tagger: SpanTagger, items: readonly TeacherAnswered[]) {
  const milliseconds: number[] = [];
  const answers = items.map((item) => { const t = performance.now(); const text = tagger.predict(item.sentence); milliseconds.push(performance.now() - t); return text; });
  const evaluation = evaluateExtract(items.map((item, index) => ({ input: item.sentence, teacher: item.answer, student: answers[index] ?? '' })), ENTITY_SCHEMA);
  milliseconds.sort((a, b) => a - b);
  return { evaluation, msPerCall: milliseconds.reduce((a, b) => a + b, 0) / Math.max(1, milliseconds.length), p50: milliseconds[Math.floor(milliseconds.length / 2)] ?? Number.NaN, answers };
}

const empty = evaluateExtract(test.map((item) => ({ input: item.sentence, teacher: item.answer, student: '{"people":[],"places":[],"organizations":[]}' })), ENTITY_SCHEMA);
console.log(`unlabelled inputs for word statistics: ${unlabelled?.length ?? 0}`);
console.log(`teacher: ${answered.length} sentences (${called} new calls, rest cached); train pool ${trainPool.length}, validation ${validation.length}, test ${test.length}; empty answer's test field F1 ${empty.fieldF1.estimate.toFixed(3)}`);
console.log('calls | epochs (by validation) | val F1 | test field F1 [95%] | names F1 | exact | valid | P / R | per field | train s | ms/call | bytes | placed');
const rows: Array<Record<string, unknown>> = [];
let last: SpanTagger | undefined;
for (const count of calls) {
  const train = trainPool.slice(0, count).map((item) => ({ input: item.sentence, answer: item.answer }));
  let best: { epochs: number; tagger: SpanTagger; validationF1: number; seconds: number; placed: string } | undefined;
  for (const epochs of epochChoices) {
    const { tagger, report } = trainSpanTagger(train, ENTITY_SCHEMA, { epochs, bits, seed: 1, ...(unlabelled === undefined ? {} : { unlabelled }) });
    const validationF1 = score(tagger, validation).evaluation.fieldF1.estimate;
    if (best === undefined || validationF1 > best.validationF1) best = { epochs, tagger, validationF1, seconds: report.seconds, placed: `${report.placed}/${report.values}` };
  }
  if (best === undefined) throw new Error('no epochs given');
  const { evaluation, msPerCall, p50 } = score(best.tagger, test);
  const bytes = spanTaggerToBytes(best.tagger);
  const reloaded = score(spanTaggerFromBytes(bytes), test.slice(0, 50)).answers;
  const same = reloaded.every((answer, index) => answer === best.tagger.predict(test[index]?.sentence ?? ''));
  if (!same) throw new Error('a reloaded tagger answered differently');
  const f = evaluation.fieldF1;
  // Names only: the list items (paths ending in "[]"), not the agreement on empty lists.
  const items = evaluation.metrics.perField.filter((p) => p.path.endsWith('[]'));
  const tp = items.reduce((sum, p) => sum + p.truePositives, 0);
  const predicted = tp + items.reduce((sum, p) => sum + p.falsePositives, 0);
  const expected = tp + items.reduce((sum, p) => sum + p.falseNegatives, 0);
  const namesF1 = predicted + expected === 0 ? 1 : (2 * tp) / (predicted + expected);
  const row = {
    calls: count, epochs: best.epochs, validationF1: best.validationF1, fieldF1: f.estimate, lower: f.lower, upper: f.upper, namesF1, exactMatch: evaluation.exactMatch.estimate, validRate: evaluation.validRate.estimate,
    precision: evaluation.metrics.fields.precision, recall: evaluation.metrics.fields.recall, perField: Object.fromEntries(evaluation.metrics.perField.map((p) => [p.path, p.f1])),
    trainSeconds: best.seconds, msPerCall, p50Ms: p50, bytes: bytes.length, placed: best.placed,
  };
  rows.push(row);
  last = best.tagger;
  console.log(`${count} | ${best.epochs} | ${best.validationF1.toFixed(3)} | ${f.estimate.toFixed(3)} [${f.lower.toFixed(3)}, ${f.upper.toFixed(3)}] | ${namesF1.toFixed(3)} | ${row.exactMatch.toFixed(3)} | ${row.validRate.toFixed(3)} | ${row.precision.toFixed(3)} / ${row.recall.toFixed(3)} | ${evaluation.metrics.perField.map((p) => `${p.path} ${p.f1.toFixed(2)}`).join(', ')} | ${best.seconds.toFixed(1)} | ${msPerCall.toFixed(3)} (p50 ${p50.toFixed(3)}) | ${bytes.length} | ${best.placed}`);
}
if (arg('save', '') !== '' && last) writeFileSync(arg('save', ''), spanTaggerToBytes(last));
const loadAtEnd = os.loadavg();
console.log(`wall ${((performance.now() - started) / 1000).toFixed(1)} s; load ${loadAtStart.map((v) => v.toFixed(1)).join('/')} → ${loadAtEnd.map((v) => v.toFixed(1)).join('/')} (train seconds are the best epoch count's run alone; every epoch choice was trained)`);
console.log(JSON.stringify({ bench: 'extract-span-tagger', unlabelled: unlabelled?.length ?? 0, test: test.length, validation: validation.length, emptyAnswerF1: empty.fieldF1.estimate, rows, loadAtStart, loadAtEnd }));
