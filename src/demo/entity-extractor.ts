/**
 * The extract demo's teacher model: compromise (MIT, by Spencer Kelly), a rule-and-lexicon English
 * tagger nobody here wrote, asked for the people, places and organisations of a sentence. Its answer
 * is one JSON object matching ENTITY_SCHEMA; normalisation (outer punctuation and possessives off,
 * whitespace collapsed, duplicates dropped, order of appearance kept) makes it a deterministic
 * function of the sentence, so a student can learn it exactly.
 */
import nlp from 'compromise';

/** The answer the extract teacher gives: names in order of first appearance, each once. */
export interface EntityAnswer {
  people: string[];
  places: string[];
  organizations: string[];
}

/** The three kinds, in the order the answer's keys are written. */
export const ENTITY_KINDS = Object.freeze(['people', 'places', 'organizations'] as const);

/** One kind of entity. */
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * JSON Schema of the teacher's answer: three required arrays of strings, nothing else. Only keywords
 * OpenAI's strict `response_format` accepts (so no minLength: that names are non-empty is the
 * extractor's guarantee, checked by its tests, not a schema rule).
 */
export const ENTITY_SCHEMA = Object.freeze({
  title: 'Entities',
  description: 'The people, places and organisations named in one English sentence, each list in order of first appearance without duplicates.',
  type: 'object',
  properties: Object.freeze(
    Object.fromEntries(ENTITY_KINDS.map((kind) => [kind, Object.freeze({ type: 'array', items: Object.freeze({ type: 'string' }) })])),
  ),
  required: ENTITY_KINDS,
  additionalProperties: false,
} as const);

/** The pieces of compromise's `json()` output the extractor reads. */
interface MatchJson {
  terms: Array<{ text: string; pre: string; post: string }>;
}

/** A possessive ending ("Missouri's", "Jesus'"): the name without it is the entity. */
const POSSESSIVE = /(?:['’][sS]|(?<=[sS])['’])$/u;
/** Outer characters that are never part of a name (quotes, brackets, sentence punctuation). */
const OUTER_PUNCTUATION = /^[\s"'“”‘’()[\]{}<>,;:!?*_-]+|[\s"'“”‘’()[\]{}<>,;:!?*_-]+$/gu;

/** A match's text: its terms with the punctuation between them, without the match's outer punctuation or a possessive ending. */
export function entityText(match: MatchJson): string {
  const joined = match.terms.map((term, index) => `${index === 0 ? '' : term.pre}${term.text}${index === match.terms.length - 1 ? '' : term.post}`).join('');
  // Double quotes are never part of a name; compromise sometimes joins a quoted name to its neighbour ('FMLN, "IBM"').
  return joined.replace(/["“”]/gu, '').replace(/\s+/gu, ' ').replace(OUTER_PUNCTUATION, '').replace(POSSESSIVE, '').replace(OUTER_PUNCTUATION, '');
}

/** Names in order, each once, empties dropped. */
function distinct(names: readonly string[]): string[] {
  return [...new Set(names.filter((name) => name !== ''))];
}

/** compromise's people, places and organisations of `sentence`, normalised (see the module comment). */
export function extractEntities(sentence: string): EntityAnswer {
  const document = nlp(sentence);
  const names = (view: { json(options?: object): unknown }): string[] => distinct((view.json() as MatchJson[]).map(entityText));
  return { people: names(document.people()), places: names(document.places()), organizations: names(document.organizations()) };
}

/** The answer as the teacher writes it: compact JSON, keys in ENTITY_KINDS order. */
export function entityAnswerText(answer: EntityAnswer): string {
  return JSON.stringify({ people: answer.people, places: answer.places, organizations: answer.organizations });
}

/** Why `value` does not match ENTITY_SCHEMA, or null when it does (a hand check of exactly that schema). */
export function entitySchemaViolation(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the answer is not a JSON object';
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!(ENTITY_KINDS as readonly string[]).includes(key)) return `unexpected key "${key}"`;
  for (const kind of ENTITY_KINDS) {
    const list = record[kind];
    if (!Array.isArray(list)) return `"${kind}" is ${list === undefined ? 'missing' : 'not an array'}`;
    const bad = list.findIndex((item) => typeof item !== 'string');
    if (bad !== -1) return `"${kind}"[${bad}] is not a string`;
  }
  return null;
}
