/**
 * A tiny synthetic generation task for tests and benchmarks: reverse a short string of letters
 * written with spaces ("reverse: c a d" → "d a c"). Deterministic for a seed.
 */
import { createRandom } from '../../util/random.js';
import type { GenerationExample } from './sequences.js';

const LETTERS = 'abcdef';

/** `count` reversal examples of 3–4 letters. */
export function reversalExamples(count: number, seed: number): GenerationExample[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const letters = Array.from({ length: 3 + random.nextInt(2) }, () => LETTERS[random.nextInt(LETTERS.length)] as string);
    return { prompt: `reverse: ${letters.join(' ')}`, answer: [...letters].reverse().join(' ') };
  });
}

const COLOURS: ReadonlyArray<[string, string]> = [['red', '#ff0000'], ['green', '#00ff00'], ['blue', '#0000ff'], ['black', '#000000'], ['white', '#ffffff'], ['yellow', '#ffff00']];

/** A fixed mapping to JSON: "colour: red" → {"name":"red","hex":"#ff0000","dark":false}, each pair `copies` times. */
export function colourExamples(copies: number): GenerationExample[] {
  return Array.from({ length: copies }, () => COLOURS.map(([name, hex]) => ({ prompt: `colour: ${name}`, answer: JSON.stringify({ name, hex, dark: name === 'black' || name === 'blue' }) }))).flat();
}

/** The JSON Schema the colour answers follow. */
export const COLOUR_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, hex: { type: 'string' }, dark: { type: 'boolean' } },
  required: ['name', 'hex', 'dark'],
  additionalProperties: false,
} as const;
