/**
 * The demo task's teacher answers for the bench: the demo corpus labelled by VS Code's language
 * detector through the same wire path a real run takes (top-20 logprobs → label distribution), cached
 * on disk by corpus content so repeated bench runs pay for the teacher once, as a real project would.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCodeCorpus, type CorpusItem } from '../src/demo/corpus.js';
import { createLanguageDetector } from '../src/demo/language-detector.js';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { languageAnswer } from '../src/demo/language-teacher-server.js';
import { logprobsContent } from '../src/serve/chat-response.js';
import { labelDistribution } from '../src/task/kinds/label-distribution.js';
import { sha256Hex } from '../src/util/hash.js';

/** One corpus snippet with the teacher's answer. */
export interface TeacherLabelled {
  id: string;
  text: string;
  /** File-extension language (the gold label), an index into LANGUAGE_LABELS. */
  gold: number;
  /** Teacher's hard answer, an index into LANGUAGE_LABELS. */
  teacher: number;
  /** Teacher's distribution over LANGUAGE_LABELS from its top-20 logprobs. */
  soft: number[];
  /** Milliseconds the detector took for this snippet (in-process, one at a time). */
  teacherMs: number;
}

const CACHE_DIR = '.bench-cache';

/** The demo corpus (same builder and caps as `distillery demo`) with the teacher's answers; snippets the teacher cannot label are dropped. */
export async function languageTeacherLabels(limit: number, log: (line: string) => void = () => undefined): Promise<TeacherLabelled[]> {
  const corpus = await buildCodeCorpus({ limit, perLabelCap: Math.ceil(limit / 4) });
  const digest = sha256Hex(corpus.map((item) => item.id).join(',')).slice(0, 16);
  const file = path.join(CACHE_DIR, `language-teacher-${limit}-${digest}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as TeacherLabelled[];
  log(`labelling ${corpus.length} snippets with the demo teacher (cached in ${file} afterwards)`);
  const labelled = await label(corpus, log);
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify(labelled));
  return labelled;
}

async function label(corpus: readonly CorpusItem[], log: (line: string) => void): Promise<TeacherLabelled[]> {
  const detector = createLanguageDetector();
  const labels = LANGUAGE_LABELS as readonly string[];
  const out: TeacherLabelled[] = [];
  try {
    for (const [index, item] of corpus.entries()) {
      const start = performance.now();
      const answer = languageAnswer(await detector.detect(item.text));
      const teacherMs = performance.now() - start;
      const distribution = labelDistribution(logprobsContent(answer, 20), labels);
      const teacher = labels.indexOf(answer.label);
      const gold = labels.indexOf(item.gold);
      if (distribution === null || teacher < 0 || gold < 0) continue;
      out.push({ id: item.id, text: item.text, gold, teacher, soft: distribution.distribution, teacherMs });
      if ((index + 1) % 500 === 0) log(`  ${index + 1} / ${corpus.length}`);
    }
  } finally {
    detector.dispose();
  }
  return out;
}
