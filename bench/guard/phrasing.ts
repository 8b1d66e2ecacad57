/** Small rewrites of a prompt: what a person does when refining one, and a paraphrasing distiller does at scale. */
import type { TrafficCorpus } from './corpus.js';
import type { Random } from './random.js';

const PREFIXES = ['', 'Could you tell me: ', 'Please answer this: ', 'Quick question: ', 'I was wondering, ', 'Help me understand: ', 'Q: ', 'Answer briefly: ', 'In your own words: '];
const SUFFIXES = ['', '', ' Be concise.', ' Please be specific.', ' Thanks!', ' Explain briefly.'];

/** Replaces up to `count` words that have WordNet synonyms. */
export function swapSynonyms(random: Random, corpus: TrafficCorpus, text: string, count: number): string {
  const words = text.split(' ');
  const candidates = words.map((word, index) => ({ index, options: corpus.synonyms.get(word.toLowerCase().replace(/[^a-z]/g, '')) })).filter((entry) => entry.options !== undefined && entry.options.length > 0);
  for (const entry of random.shuffle(candidates).slice(0, count)) {
    const original = words[entry.index] as string;
    const trailing = original.match(/[^A-Za-z]+$/)?.[0] ?? '';
    words[entry.index] = random.pick(entry.options ?? [original]) + trailing;
  }
  return words.join(' ');
}

/** A paraphrase: another opening or closing, a few synonyms, maybe a dropped or swapped word. */
export function paraphrase(random: Random, corpus: TrafficCorpus, text: string): string {
  let words = swapSynonyms(random, corpus, text, random.between(1, 3)).split(' ');
  if (words.length > 6 && random.chance(0.4)) words.splice(random.between(1, words.length - 2), 1);
  if (words.length > 4 && random.chance(0.3)) {
    const at = random.between(1, words.length - 3);
    [words[at], words[at + 1]] = [words[at + 1] as string, words[at] as string];
  }
  words = words.filter((word) => word.length > 0);
  return `${random.pick(PREFIXES)}${words.join(' ')}${random.pick(SUFFIXES)}`;
}

/** A person's small edit of their own prompt: one instruction added, changed or one word changed. */
export function refine(random: Random, corpus: TrafficCorpus, text: string): string {
  const choice = random.int(4);
  if (choice === 0) return `${text}${random.pick(SUFFIXES.filter((suffix) => suffix !== '' && !text.endsWith(suffix)))}`;
  if (choice === 1) return swapSynonyms(random, corpus, text, 1);
  if (choice === 2) return `${random.pick(['Actually, ', 'Let me rephrase: ', 'Sorry, I meant: ', 'OK, '])}${text}`;
  return text.replace(/[.?!]?$/, random.pick([' in simple terms.', ' with an example.', ' in one paragraph.', '?']));
}
