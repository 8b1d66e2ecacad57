/**
 * The attacker's side of the lexical evidence story: what a distiller does to the answers it
 * harvests before Distillery trains on them. A Teacher wrapper (Distillery's own seam) that sends a
 * share of the prompts to the watermarking guard and the rest to an unwatermarked source, and may
 * rewrite each answer: synonym randomisation (every word of a synonym set replaced by a seeded random
 * member) or a paraphrase by another rule-based model (compromise, back to the present tense).
 */
import nlp from 'compromise';
import { createHash } from 'node:crypto';
import { LexicalScanner } from '../../src/evidence/lexical/lexical-scanner.js';
import { defaultSynonymTable } from '../../src/evidence/lexical/synonyms.js';
import type { Teacher, TeacherCompletion, TeacherRequest } from '../../src/teacher/types.js';
import { seededRandom } from '../../src/util/random.js';

/** How the attacker treats each harvested answer. */
export type AnswerTreatment = 'as-harvested' | 'synonym-randomised' | 'paraphrased';

/** Every synonym-set word replaced by a member drawn from a seeded generator (the attacker's own choice, independent of the key). */
export function randomiseSynonyms(text: string, seed: number): string {
  const table = defaultSynonymTable();
  const random = seededRandom(seed);
  const visit = (_word: string, setIndex: number): string => {
    const set = table.sets[setIndex] as readonly string[];
    return set[Math.floor(random() * set.length)] as string;
  };
  return new LexicalScanner(table, visit).process(text);
}

/** A paraphrase by another rule-based model: compromise puts the sentence back in the present tense. */
export function paraphrase(text: string): string {
  return nlp(text).sentences().toPresentTense().text().trim();
}

/** Whether the prompt (its last user message) goes to the watermarked source: a hash of it below `share`. */
export function toMarkedSource(prompt: string, share: number): boolean {
  if (share >= 1) return true;
  if (share <= 0) return false;
  return createHash('sha256').update(prompt).digest().readUInt32BE(0) / 2 ** 32 < share;
}

/** What the attacker's teacher is made of. */
export interface AttackerTeacherOptions {
  /** The teacher behind the watermarking guard. */
  marked: Teacher;
  /** An unwatermarked source of the same answers (the plain guard). */
  clean: Teacher;
  /** Share of prompts sent to the watermarked source (1: all of them). */
  markedShare: number;
  treatment: AnswerTreatment;
  /** Seed of synonym randomisation. */
  seed: number;
}

/** The teacher Distillery collects from, on the attacker's side. */
export function attackerTeacher(options: AttackerTeacherOptions): Teacher {
  const { marked, clean, markedShare, treatment, seed } = options;
  return {
    specificationVersion: 'v2', provider: marked.provider, modelId: marked.modelId, requestParameters: marked.requestParameters,
    async complete(request: TeacherRequest): Promise<TeacherCompletion> {
      const prompt = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
      const completion = await (toMarkedSource(prompt, markedShare) ? marked : clean).complete(request);
      const text = treatment === 'synonym-randomised' ? randomiseSynonyms(completion.text, seed ^ createHash('sha256').update(prompt).digest().readUInt32BE(0))
        : treatment === 'paraphrased' ? paraphrase(completion.text) : completion.text;
      if (text === completion.text) return completion;
      const { tokens: _tokens, ...rest } = completion;
      return { ...rest, text };
    },
  };
}
