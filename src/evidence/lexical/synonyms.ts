/**
 * The lexical watermark's synonym sets: meaning-preserving WordNet sets built once by
 * bench/build-synonyms.ts into synonym-sets.json (committed), so the runtime needs no WordNet.
 */
import table from './synonym-sets.json' with { type: 'json' };

/** Synonym sets and the lookup of a lowercase word to its set. */
export interface SynonymTable {
  /** Each set's members, sorted; a set's id is its first member. */
  readonly sets: readonly (readonly string[])[];
  /** The index of the set a lowercase word belongs to, or undefined. */
  setOf(word: string): number | undefined;
}

/** Builds a table from sets; a word in two sets is a broken table, refused here rather than marked ambiguously. */
export function synonymTable(sets: readonly (readonly string[])[]): SynonymTable {
  const index = new Map<string, number>();
  sets.forEach((set, setIndex) => {
    for (const word of set) {
      if (index.has(word)) throw new Error(`synonym table: "${word}" is in two sets`);
      index.set(word, setIndex);
    }
  });
  return { sets, setOf: (word) => index.get(word) };
}

let builtIn: SynonymTable | undefined;

/** The committed WordNet table (built on first use). */
export function defaultSynonymTable(): SynonymTable {
  builtIn ??= synonymTable(table.sets);
  return builtIn;
}
