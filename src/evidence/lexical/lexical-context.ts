/**
 * The context the lexical watermark's keyed choice depends on, computed from the previous word as
 * written. Three modes, named in the key file:
 * - `word-class` (default): the class of the previous word — none (start of text, or after a
 *   protected region), a function word from a closed list, or any other word. A student reproduces
 *   that class whenever it writes a fluent phrase, and learns the choice per class rather than per
 *   word pair, so the mark survives on phrases it never saw (CATER, He et al. 2022, conditions on
 *   such coarse linguistic features for the same reason); the choice still varies with the context,
 *   so a member's overall frequency does not betray the key as plainly as a fixed substitution.
 * - `previous-word`: the previous word itself. Each (set, previous word) pair is its own keyed coin:
 *   a distilled student carries it only on pairs it saw in training (measured in
 *   docs/benchmarks.md, evidence-lexical-radioactivity).
 * - `none`: one fixed choice per set (a keyed substitution table, He et al. 2022, AAAI).
 */

/** How the previous word enters the keyed choice. */
export type LexicalContextMode = 'word-class' | 'previous-word' | 'none';

/** The modes a key file may name. */
export const LEXICAL_CONTEXT_MODES: readonly LexicalContextMode[] = ['word-class', 'previous-word', 'none'];

/** The default mode of a key that names none. */
export const DEFAULT_LEXICAL_CONTEXT: LexicalContextMode = 'word-class';

/** English closed-class words (articles, determiners, pronouns, prepositions, conjunctions, auxiliaries); none is a synonym-set member. */
const FUNCTION_WORDS = new Set(('a an the this that these those my your his her its our their some any no every each all both either neither much many more most few little several such '
  + 'what which whose i you he she it we they me him us them myself yourself itself ourselves themselves who whom of in on at by for with from to into onto upon over under '
  + 'between among through during above against without within across along around behind beyond toward towards and or but nor so yet if because although though while '
  + 'when where whether than as is am are was were be been being have has had do does did will would shall should can could may might must not there here then too very also just').split(' '));

/** The context string the keyed choice hashes, from the previous word (lowercase, '' when there is none). */
export function lexicalContext(previous: string, mode: LexicalContextMode): string {
  if (mode === 'previous-word') return previous;
  if (mode === 'none') return '';
  if (previous === '') return '';
  return FUNCTION_WORDS.has(previous) ? '\u0001function' : '\u0001word';
}
