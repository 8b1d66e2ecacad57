/**
 * lm-kd-token-vs-sequence: a teacher language model (a Distillery student trained here on public
 * text, Debian's /usr/share/common-licenses) answers prompts it never saw, with its top-k
 * logprobs per answer token; two smaller students learn from the same teacher calls, one with
 * token-level KD (top-k + tail bucket, mixed with cross-entropy) and one with sequence-level KD
 * (cross-entropy on the teacher's answer only). Scored by validation loss on held-out teacher
 * answers and by exact match with the teacher's greedy answer on a separate test set. Also the
 * small synthetic check: a teacher that says "yes" with p = 0.7 and "no" with p = 0.3.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { trainLanguageModelStudent } from '../../src/student/lm/lm-student.js';
import type { GenerationExample } from '../../src/student/lm/sequences.js';
import { trainTokenizer, type Tokenizer } from '../../src/student/lm/tokenizer.js';
import type { GenerativeStudent } from '../../src/student/lm/types.js';
import { unitInterval } from '../../src/util/hash.js';
import type { BenchOptions } from '../options.js';
import { format, spread, type BenchmarkEntry } from '../report.js';

const LICENCES = '/usr/share/common-licenses';
const PROMPT_WORDS = 4;
const ANSWER_WORDS = 3;
const TOP_K = 8;

/** (prompt, continuation) windows over the licence texts' words: "continue: w1 w2 w3 w4" → "w5 w6 w7". */
function licenceWindows(): Array<{ prompt: string; answer: string }> {
  const files = readdirSync(LICENCES).map((name) => path.join(LICENCES, name)).filter((file) => statSync(file).isFile()).sort();
  const words = files.flatMap((file) => readFileSync(file, 'utf8').split(/\s+/).filter((word) => word.length > 0 && word.length < 16));
  const windows = new Map<string, { prompt: string; answer: string }>();
  for (let start = 0; start + PROMPT_WORDS + ANSWER_WORDS <= words.length; start += PROMPT_WORDS + ANSWER_WORDS) {
    const prompt = `continue: ${words.slice(start, start + PROMPT_WORDS).join(' ')}`;
    if (!windows.has(prompt)) windows.set(prompt, { prompt, answer: words.slice(start + PROMPT_WORDS, start + PROMPT_WORDS + ANSWER_WORDS).join(' ') });
  }
  return [...windows.values()].sort((a, b) => unitInterval(a.prompt) - unitInterval(b.prompt));
}

/** The teacher's greedy answer with its top-k logprobs per token, aligned to the shared tokenizer (undefined rows where re-encoding differs). */
function askTeacher(teacher: GenerativeStudent, tokenizer: Tokenizer, prompt: string): GenerationExample {
  const generation = teacher.generate(prompt, { temperature: 0, maxTokens: 24, topLogprobs: TOP_K });
  const canonical = tokenizer.encode(generation.text);
  const aligned = canonical.length === generation.tokens.length && canonical.every((token, index) => token === generation.tokens[index]);
  return { prompt, answer: generation.text, ...(aligned ? { teacherTopLogprobs: generation.logprobs.map((entry) => ({ tokens: entry.topLogprobs.map((alternative) => alternative.token), logprobs: entry.topLogprobs.map((alternative) => alternative.logprob) })) } : {}) };
}

/** What one student reached. */
interface StudentScore { validationLoss: number; exactMatch: number }

function trainStudent(tokenizer: Tokenizer, train: readonly GenerationExample[], validation: readonly GenerationExample[], test: readonly GenerationExample[], withTeacher: boolean, seed: number, steps: number): StudentScore {
  const examples = withTeacher ? train : train.map(({ prompt, answer }) => ({ prompt, answer }));
  const { student, report } = trainLanguageModelStudent(examples, validation.map(({ prompt, answer }) => ({ prompt, answer })), {
    tokenizer, config: { width: 48, layers: 2, heads: 2, keyValueHeads: 2, hiddenWidth: 128, context: 64 },
    training: { steps, batchSize: 16, learningRate: 5e-3, warmupSteps: 20, evaluateEvery: 25, patience: 6, distillationWeight: 0.7, seed },
  });
  const matches = test.filter((example) => student.generate(example.prompt, { temperature: 0, maxTokens: 24 }).text === example.answer).length;
  return { validationLoss: report.bestValidationLoss, exactMatch: matches / test.length };
}

/** The teacher's probability of its second choice that a student learned, token-level KD or not (the synthetic check). */
function secondChoice(withTeacher: boolean, seed: number): number {
  const prompts = Array.from({ length: 8 }, (_, index) => `is it sunny? ${index}`);
  const tokenizer = trainTokenizer([...prompts, 'yes', 'no'], 300);
  const [yes, no] = [tokenizer.encode('yes')[0] as number, tokenizer.encode('no')[0] as number];
  const examples = prompts.map((prompt) => ({ prompt, answer: 'yes', ...(withTeacher ? { teacherTopLogprobs: [{ tokens: [yes, no], logprobs: [Math.log(0.7), Math.log(0.3)] }] } : {}) }));
  const { student } = trainLanguageModelStudent(examples, examples.slice(0, 2).map(({ prompt, answer }) => ({ prompt, answer })), {
    tokenizer, config: { width: 32, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 64, context: 32 },
    training: { steps: 120, batchSize: 8, learningRate: 1e-2, warmupSteps: 5, evaluateEvery: 40, patience: 100, distillationWeight: 0.9, seed },
  });
  const first = student.generate('is it sunny? 9', { maxTokens: 1, topLogprobs: 8 }).logprobs[0];
  return Math.exp(first?.topLogprobs.find((alternative) => alternative.token === no)?.logprob ?? -Infinity);
}

/** What the two students' scores say (medians). */
export function distillationFindings(token: readonly StudentScore[], sequence: readonly StudentScore[]): string[] {
  const median = (scores: readonly StudentScore[], key: keyof StudentScore): number => spread(scores.map((score) => score[key])).median;
  const better = { loss: median(token, 'validationLoss') < median(sequence, 'validationLoss'), match: median(token, 'exactMatch') > median(sequence, 'exactMatch') };
  if (better.loss && better.match) return ['Token-level KD did better on both: the teacher\'s top-k carried information its greedy answers alone did not.'];
  return [`Token-level KD did ${better.loss || better.match ? 'worse on one measure' : 'worse on both measures'} here. Both measures score agreement with the teacher's greedy answer, which is exactly what sequence-level KD trains on; token-level KD (α = 0.7) spends most of its weight on matching the teacher's whole top-k distribution, and this teacher is unsure (validation loss in the entry's data line), so its distributions are flat and their argmax is what the greedy answer keeps. Token-level KD pays off where the teacher's uncertainty is itself the thing to learn (the synthetic check below) or where its answers are too few to learn the argmax from; this run did not sweep α or the number of teacher calls.`];
}

/** The lm-kd-token-vs-sequence entry. */
export function distillationEntry(options: BenchOptions): BenchmarkEntry {
  const all = licenceWindows();
  const sizes = options.quick ? { teacher: 600, train: 120, validation: 30, test: 40, teacherSteps: 60, studentSteps: 60 } : { teacher: 2000, train: 400, validation: 60, test: 120, teacherSteps: 300, studentSteps: 200 };
  const tokenizer = trainTokenizer(all.slice(0, 3000).flatMap((window) => [window.prompt, window.answer]), 512);
  // Windows that fit the teacher's context with room to answer (a few hold long runs of punctuation).
  const windows = all.filter((window) => tokenizer.encode(`${window.prompt} ${window.answer}`).length <= 32);
  const teacherSet = windows.slice(0, sizes.teacher);
  const rest = windows.slice(sizes.teacher);
  const { student: teacher, report: teacherReport } = trainLanguageModelStudent(teacherSet, rest.slice(0, 60), {
    tokenizer, config: { width: 64, layers: 2, heads: 2, keyValueHeads: 2, hiddenWidth: 176, context: 64 },
    training: { steps: sizes.teacherSteps, batchSize: 16, learningRate: 5e-3, warmupSteps: 30, evaluateEvery: 50, patience: 4, seed: 7 },
  });
  const prompts = rest.slice(60, 60 + sizes.train + sizes.validation + sizes.test).map((window) => window.prompt);
  const answered = prompts.map((prompt) => askTeacher(teacher, tokenizer, prompt));
  const [train, validation, test] = [answered.slice(0, sizes.train), answered.slice(sizes.train, sizes.train + sizes.validation), answered.slice(sizes.train + sizes.validation)];
  const aligned = train.filter((example) => example.teacherTopLogprobs !== undefined).length;
  const token: StudentScore[] = [];
  const sequence: StudentScore[] = [];
  for (let seed = 1; seed <= options.repeats; seed++) {
    token.push(trainStudent(tokenizer, train, validation, test, true, seed, sizes.studentSteps));
    sequence.push(trainStudent(tokenizer, train, validation, test, false, seed, sizes.studentSteps));
  }
  const tokenSecond = Array.from({ length: options.repeats }, (_, seed) => Math.abs(secondChoice(true, seed + 1) - 0.3));
  const sequenceSecond = Array.from({ length: options.repeats }, (_, seed) => Math.abs(secondChoice(false, seed + 1) - 0.3));
  return {
    id: 'lm-kd-token-vs-sequence', title: 'Language-model student: token-level vs sequence-level KD', command: options.command,
    dataset: `teacher: a Distillery language model (${(teacher.parameterCount() / 1e6).toFixed(2)}M parameters, width 64, 2 layers, BPE 512) trained here on ${teacherSet.length} word windows of Debian's ${LICENCES} ("continue: ${PROMPT_WORDS} words" → next ${ANSWER_WORDS}; best validation loss ${format(teacherReport.bestValidationLoss)}); it then answers ${prompts.length} unseen prompts greedily with its top-${TOP_K} logprobs per token (${train.length} to train on, ${validation.length} for validation, ${test.length} for the test)`,
    settings: `students: width 48, 2 layers, the teacher's tokenizer, ${sizes.studentSteps} steps at most, batch 16, early stopping on the validation loss; token-level KD weight α = 0.7 (top-${TOP_K} + tail bucket; ${aligned} of ${train.length} training answers re-encode to the teacher's tokens, the rest train sequence-level only); the same ${train.length} teacher calls for both; one seed per repeat`,
    peerName: 'sequence-level KD', oursName: 'token-level KD', repeats: options.repeats,
    metrics: [
      { name: 'validation loss on the teacher\'s held-out answers', unit: 'nats/token', better: 'lower', ours: spread(token.map((score) => score.validationLoss)), peer: spread(sequence.map((score) => score.validationLoss)) },
      { name: 'exact match with the teacher\'s greedy answer (test)', unit: 'share', better: 'higher', ours: spread(token.map((score) => score.exactMatch)), peer: spread(sequence.map((score) => score.exactMatch)) },
      { name: 'synthetic check: error of p(no) against the teacher\'s 0.3', unit: 'probability', better: 'lower', ours: spread(tokenSecond), peer: spread(sequenceSecond) },
    ],
    notes: [
      ...distillationFindings(token, sequence),
      'The teacher is served in-process (the same `generate` the HTTP server calls), not over HTTP.',
      'The synthetic check: 8 prompts whose teacher answers "yes" with p = 0.7 and "no" with p = 0.3 (top-2 logprobs), scored on an unseen prompt (1 layer, width 32, 120 steps, α = 0.9). Sequence-level KD sees only the answer, so it learns p(no) ≈ 0; token-level KD learns the teacher\'s uncertainty.',
    ],
    extra: { token, sequence, tokenSecond, sequenceSecond, teacherValidationLoss: teacherReport.bestValidationLoss, alignedTrainingAnswers: aligned },
  };
}
