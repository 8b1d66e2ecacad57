import { describe, expect, it } from 'vitest';
import { chrfStatistics, corpusChrf, exactMatch, longestCommonSubsequence, rougeL, rougeTokens, sentenceChrf, sumChrfStatistics, chrfFromStatistics } from './text-metrics.js';

/**
 * Reference values from sacrebleu's own tests: github.com/mjpost/sacrebleu, test/test_chrf.py
 * (`test_sentence_level_chrf`, `test_cases`, `test_cases_effective_order`,
 * `test_cases_keep_whitespace`), each with the settings that test passes; tolerance 1e-4 as there.
 */
const SACREBLEU_EPSILON = 1e-4;

describe('chrF against sacrebleu test/test_chrf.py', () => {
  it.each([
    ['Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.', 'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.', 39.14078509],
    ['Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.', 'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.', 31.22557079],
    ['Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.', 'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.', 57.15704367],
  ])('test_chrf_sentence_level (β = 2, eps smoothing): %s', (hypothesis, reference, expected) => {
    expect(Math.abs(sentenceChrf(hypothesis, reference, { epsSmoothing: true }) - expected)).toBeLessThan(SACREBLEU_EPSILON);
  });

  it.each([
    [['abcdefg'], ['hijklmnop'], 0],
    [['a'], ['b'], 0],
    [[''], ['b'], 0],
    [[''], ['reference'], 0],
    [['aa'], ['ab'], 8.3333],
    [['a', 'b'], ['a', 'c'], 8.3333],
    [['a'], ['a'], 16.6667],
    [['a b c'], ['a b c'], 50],
    [['a b c'], ['abc'], 50],
    [[' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .'], ['risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .'], 63.36173],
    [[' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '], ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'], 64.1302698],
    [['Niemand hat die Absicht, eine Mauer zu errichten'], ['Niemand hat die Absicht, eine Mauer zu errichten'], 100],
  ])('test_chrf (corpus, β = 3, eps smoothing): %j vs %j', (hypotheses, references, expected) => {
    expect(Math.abs(corpusChrf(hypotheses, references, { beta: 3, epsSmoothing: true }) - expected)).toBeLessThan(SACREBLEU_EPSILON);
  });

  it.each([
    [['a'], ['a'], 100],
    [[''], ['reference'], 0],
    [['a b c'], ['a b c'], 100],
    [['a b c'], ['abc'], 100],
    [[''], ['c'], 0],
    [['a', 'b'], ['a', 'c'], 50],
    [['aa'], ['ab'], 25],
  ])('test_chrf_eff_order (corpus, β = 3, effective order, the default): %j vs %j', (hypotheses, references, expected) => {
    expect(Math.abs(corpusChrf(hypotheses, references, { beta: 3 }) - expected)).toBeLessThan(SACREBLEU_EPSILON);
  });

  it.each([
    ['Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.', 'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.', 67.3481606],
    ['risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .', 'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .', 65.2414427],
  ])('test_chrf_keep_whitespace (β = 3): %s', (hypothesis, reference, expected) => {
    expect(Math.abs(corpusChrf([hypothesis], [reference], { beta: 3, includeWhitespace: true }) - expected)).toBeLessThan(SACREBLEU_EPSILON);
  });

  it('corpus level sums statistics before F: not the mean of sentence scores', () => {
    // By hand: "a" vs "a" has 1/1 unigrams; "bcd" vs "bxd" has 2/3 unigrams, 0/2 bigrams, 0/1 trigrams.
    const summed = sumChrfStatistics([chrfStatistics('a', 'a'), chrfStatistics('bcd', 'bxd')]);
    expect(summed.slice(0, 9)).toEqual([4, 4, 3, 2, 2, 0, 1, 1, 0]);
    // Effective orders 1..3: P = R = (3/4 + 0 + 0) / 3 = 0.25, so F = 25 whatever β.
    expect(chrfFromStatistics(summed)).toBeCloseTo(25, 10);
    expect(corpusChrf(['a', 'bcd'], ['a', 'bxd'])).toBeCloseTo(25, 10);
    const meanOfSentences = (sentenceChrf('a', 'a') + sentenceChrf('bcd', 'bxd')) / 2;
    expect(meanOfSentences).not.toBeCloseTo(25, 3);
  });

  it('β = 2 is the default and weighs recall: a short exact prefix scores below its mirror image', () => {
    // By hand, orders 1–2 are present in both ("ab" vs "abcd"):
    // order 1: P = 1, R = 2/4; order 2: P = 1, R = 1/3 → P̄ = 1, R̄ = 5/12, F₂ = 5·(5/12)/(4 + 5/12) = 25/53.
    expect(sentenceChrf('ab', 'abcd')).toBeCloseTo((100 * 25) / 53, 10);
    expect(sentenceChrf('abcd', 'ab')).toBeGreaterThan(sentenceChrf('ab', 'abcd'));
  });
});

/**
 * Reference values from rouge-score's tests: github.com/google-research/google-research,
 * rouge/rouge_scorer_test.py (testRougeLConsecutive, testRougeLNonConsecutive, testRougeEmpty,
 * testRougeLAgainstRouge155 on the first two lines of rouge/testdata/target.txt and prediction.txt,
 * whose "ground truth" the file says was taken from ROUGE-1.5.5; 5 places as there).
 */
describe('ROUGE-L against rouge-score rouge/rouge_scorer_test.py', () => {
  it('testRougeLConsecutive and testRougeLNonConsecutive: P = 1, R = 2/3, F = 4/5', () => {
    for (const prediction of ['testing one', 'testing two']) {
      const score = rougeL('testing one two', prediction);
      expect(score.precision).toBeCloseTo(1, 10);
      expect(score.recall).toBeCloseTo(2 / 3, 10);
      expect(score.fmeasure).toBeCloseTo(4 / 5, 10);
    }
  });

  it('testRougeEmpty: an empty prediction scores 0 everywhere', () => {
    expect(rougeL('testing one two', '')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    expect(rougeL('w1 w2 w3 w4 w5', '/')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it.each([
    [
      "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
      "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
      0.40741, 0.6875, 0.51163,
    ],
    [
      "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
      "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
      0.40476, 0.65385, 0.5,
    ],
  ])('testRougeLAgainstRouge155, line %#', (target, prediction, recall, precision, fmeasure) => {
    const score = rougeL(target, prediction);
    expect(score.recall).toBeCloseTo(recall, 5);
    expect(score.precision).toBeCloseTo(precision, 5);
    expect(score.fmeasure).toBeCloseTo(fmeasure, 5);
  });

  it('tokenises like rouge-score: lowercase, non-alphanumerics split and vanish', () => {
    expect(rougeTokens("Don't STOP-me, now!")).toEqual(['don', 't', 'stop', 'me', 'now']);
    // testLcsTable: LCS of [1,2,3,4,5] and [2,5,3,4] is 3.
    expect(longestCommonSubsequence(['1', '2', '3', '4', '5'], ['2', '5', '3', '4'])).toBe(3);
  });
});

describe('exact match', () => {
  it('ignores surrounding whitespace only', () => {
    expect(exactMatch('Paris\n', 'Paris')).toBe(true);
    expect(exactMatch('paris', 'Paris')).toBe(false);
  });
});
