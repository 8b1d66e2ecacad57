/**
 * Figures of the guard's lexical watermark on real English (nlp-corpus sentences joined into texts of
 * a given length): false alarms of the permutation p-value (and of the naive binomial) on unmarked
 * texts, detection at p < 1e-3 on the same texts marked. Run: `node --import tsx bench/lexical-watermark-figures.ts`.
 */
import { englishTexts, measureLexical, measurementKey } from '../src/evidence/lexical/lexical-measure.js';

for (const words of [100, 200, 400]) {
  const texts = await englishTexts(words === 400 ? 750 : 1500, words, 1);
  const figures = measureLexical(texts, measurementKey(`figures-${words}`));
  process.stdout.write(`${words} words: ${JSON.stringify(figures)}\n`);
}
