/**
 * Metrics of free text (the `generate` kind): exact match, chrF exactly as sacrebleu's `CHRF`
 * (sacrebleu 2.x, `sacrebleu/metrics/chrf.py`), and ROUGE-L as Google's `rouge-score` package
 * computes it (`rouge/rouge_scorer.py`, default tokenizer, no stemmer). The reference is always the
 * teacher's answer, the hypothesis the student's.
 *
 * chrF: for n = 1..6, character n-gram counts of hypothesis and reference (whitespace removed
 * first), their clipped overlap; precision and recall are averaged over the orders both texts have
 * (sacrebleu ≥ 2's default "effective order"), and then F_β = (1+β²)·P·R / (β²·P + R), β = 2, on a
 * 0–100 scale. With `epsSmoothing` (chrF++.py / Moses / NLTK) F is computed per order with ε for
 * missing orders and averaged instead. Corpus level sums the statistics of all pairs first.
 */

/** Settings of chrF; the defaults are sacrebleu's `CHRF()` defaults. */
export interface ChrfOptions {
  /** Longest character n-gram (sacrebleu: char_order = 6). */
  charOrder?: number;
  /** Weight of recall over precision (sacrebleu: beta = 2). */
  beta?: number;
  /** Per-order F with ε smoothing instead of effective-order averaging (sacrebleu: eps_smoothing = False). */
  epsSmoothing?: boolean;
  /** Keep whitespace inside n-grams (sacrebleu: whitespace = False, so it is removed). */
  includeWhitespace?: boolean;
}

/** Precision, recall and F-measure of one comparison, each in [0, 1]. */
export interface PrecisionRecallF {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** sacrebleu's ε for orders a text is too short to have. */
const CHRF_EPSILON = 1e-16;

/** Exact match after trimming surrounding whitespace (a trailing newline is not a different answer). */
export function exactMatch(hypothesis: string, reference: string): boolean {
  return hypothesis.trim() === reference.trim();
}

/** Counts of the character n-grams of `characters` (code points, as Python indexes strings). */
function characterNgrams(characters: readonly string[], order: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + order <= characters.length; start++) {
    const gram = characters.slice(start, start + order).join('');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** The code points chrF sees: whitespace dropped unless kept (sacrebleu: `''.join(text.split())`). */
function chrfCharacters(text: string, includeWhitespace: boolean): string[] {
  return Array.from(includeWhitespace ? text : text.replace(/\s+/gu, ''));
}

/**
 * chrF's sufficient statistics of one pair: [hypothesis n-grams, reference n-grams, matches] for
 * each order 1..charOrder, flattened (sacrebleu's layout). Sum them over pairs for corpus level.
 */
export function chrfStatistics(hypothesis: string, reference: string, options: ChrfOptions = {}): number[] {
  const order = options.charOrder ?? 6;
  const hypothesisCharacters = chrfCharacters(hypothesis, options.includeWhitespace ?? false);
  const referenceCharacters = chrfCharacters(reference, options.includeWhitespace ?? false);
  const statistics: number[] = [];
  for (let n = 1; n <= order; n++) {
    const hypothesisGrams = characterNgrams(hypothesisCharacters, n);
    const referenceGrams = characterNgrams(referenceCharacters, n);
    let matches = 0;
    for (const [gram, count] of hypothesisGrams) matches += Math.min(count, referenceGrams.get(gram) ?? 0);
    statistics.push(Math.max(0, hypothesisCharacters.length - n + 1), Math.max(0, referenceCharacters.length - n + 1), matches);
  }
  return statistics;
}

/** chrF (0–100) from statistics, as sacrebleu's `CHRF._compute_f_score`. */
export function chrfFromStatistics(statistics: readonly number[], options: ChrfOptions = {}): number {
  const order = options.charOrder ?? 6;
  const factor = (options.beta ?? 2) ** 2;
  let perOrderF = 0;
  let precisionSum = 0;
  let recallSum = 0;
  let effectiveOrder = 0;
  for (let index = 0; index < order; index++) {
    const hypothesisCount = statistics[3 * index] ?? 0;
    const referenceCount = statistics[3 * index + 1] ?? 0;
    const matches = statistics[3 * index + 2] ?? 0;
    const precision = hypothesisCount > 0 ? matches / hypothesisCount : CHRF_EPSILON;
    const recall = referenceCount > 0 ? matches / referenceCount : CHRF_EPSILON;
    const denominator = factor * precision + recall;
    perOrderF += denominator > 0 ? ((1 + factor) * precision * recall) / denominator : CHRF_EPSILON;
    if (hypothesisCount > 0 && referenceCount > 0) {
      precisionSum += precision;
      recallSum += recall;
      effectiveOrder++;
    }
  }
  if (options.epsSmoothing === true) return (100 * perOrderF) / order;
  if (effectiveOrder === 0) return 0;
  const precision = precisionSum / effectiveOrder;
  const recall = recallSum / effectiveOrder;
  if (precision + recall === 0) return 0;
  return (100 * (1 + factor) * precision * recall) / (factor * precision + recall);
}

/** Sentence-level chrF (0–100) of one hypothesis against one reference (sacrebleu `sentence_chrf`). */
export function sentenceChrf(hypothesis: string, reference: string, options: ChrfOptions = {}): number {
  return chrfFromStatistics(chrfStatistics(hypothesis, reference, options), options);
}

/** Adds chrF statistics element-wise (corpus level sums them before computing F). */
export function sumChrfStatistics(rows: readonly (readonly number[])[], options: ChrfOptions = {}): number[] {
  const total = new Array<number>(3 * (options.charOrder ?? 6)).fill(0);
  for (const row of rows) row.forEach((value, index) => { total[index] = (total[index] ?? 0) + value; });
  return total;
}

/** Corpus-level chrF (0–100): statistics summed over all pairs, then one F (sacrebleu `corpus_chrf`). */
export function corpusChrf(hypotheses: readonly string[], references: readonly string[], options: ChrfOptions = {}): number {
  if (hypotheses.length !== references.length) throw new RangeError(`corpusChrf: ${hypotheses.length} hypotheses but ${references.length} references`);
  const rows = hypotheses.map((hypothesis, index) => chrfStatistics(hypothesis, references[index] ?? '', options));
  return chrfFromStatistics(sumChrfStatistics(rows, options), options);
}

/** rouge-score's default tokenizer: lowercase, every run of characters outside [a-z0-9] splits. */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').split(' ').filter((token) => token.length > 0);
}

/** Length of the longest common subsequence of two token lists (dynamic programming, two rows). */
export function longestCommonSubsequence(first: readonly string[], second: readonly string[]): number {
  let previous = new Array<number>(second.length + 1).fill(0);
  for (const token of first) {
    const current = new Array<number>(second.length + 1).fill(0);
    for (let column = 1; column <= second.length; column++) {
      current[column] = token === second[column - 1] ? (previous[column - 1] ?? 0) + 1 : Math.max(previous[column] ?? 0, current[column - 1] ?? 0);
    }
    previous = current;
  }
  return previous[second.length] ?? 0;
}

/** ROUGE-L of a prediction against a target: LCS over tokens, P = LCS/|prediction|, R = LCS/|target|, F₁. */
export function rougeL(target: string, prediction: string): PrecisionRecallF {
  const targetTokens = rougeTokens(target);
  const predictionTokens = rougeTokens(prediction);
  if (targetTokens.length === 0 || predictionTokens.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const common = longestCommonSubsequence(targetTokens, predictionTokens);
  const precision = common / predictionTokens.length;
  const recall = common / targetTokens.length;
  return { precision, recall, fmeasure: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}
