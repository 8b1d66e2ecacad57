/**
 * A small seeded synthetic classification task for tests and benchmarks: each label has its own
 * vocabulary (and so its own characters), mixed with shared filler words.
 */
import type { StudentSettings } from '../task/schema.js';
import { createRandom } from '../util/random.js';
import type { TrainingExample } from './types.js';

/** Labels of the synthetic task. */
export const SYNTHETIC_LABELS = ['sports', 'cooking', 'code', 'music'] as const;

const VOCABULARY: readonly (readonly string[])[] = [
  ['goal', 'striker', 'referee', 'penalty', 'league', 'match', 'keeper', 'offside'],
  ['simmer', 'garlic', 'oven', 'whisk', 'recipe', 'butter', 'saute', 'flour'],
  ['function', 'return', 'const', '=>', '{', '}', 'async', 'await'],
  ['melody', 'chord', 'tempo', 'guitar', 'rhythm', 'octave', 'lyric', 'chorus'],
];
const FILLER = ['the', 'a', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'with', 'for', 'on'];

/** `count` examples with hard labels and a teacher distribution peaked (0.7) on the label. */
export function syntheticExamples(count: number, seed: number): TrainingExample[] {
  const random = createRandom(seed);
  const pick = (words: readonly string[]): string => words[random.nextInt(words.length)] as string;
  return Array.from({ length: count }, () => {
    const label = random.nextInt(SYNTHETIC_LABELS.length);
    // Mostly filler with a couple of telling words: hard enough that a broken model stays near chance.
    const words = Array.from({ length: 12 }, () => (random.next() < 0.2 ? pick(VOCABULARY[label] as string[]) : pick(FILLER)));
    const soft = SYNTHETIC_LABELS.map((_, k) => (k === label ? 0.7 : 0.1));
    return { text: words.join(' '), label, soft };
  });
}

/** Small, fast settings for tests. */
export function testSettings(overrides: Partial<StudentSettings> = {}): StudentSettings {
  return {
    kind: 'ngram', buckets: 1 << 14, dim: 16, wordNgrams: 2, charNgramMin: 3, charNgramMax: 4,
    epochs: 20, learningRate: 0.5, temperature: 2, alpha: 0.7, patience: 4, seed: 1, ...overrides,
  };
}
