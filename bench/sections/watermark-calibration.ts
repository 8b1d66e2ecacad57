/**
 * `watermark-calibration` (issue 11): false-alarm rates and p-value uniformity of the KGW and Gumbel
 * detectors on ≥ 10,000 unwatermarked English texts, and detection power against the number of tokens
 * on a toy language model (bench/watermark-calibration.ts does the measuring). Knob: --watermark-texts=N.
 */
import { calibrate, englishTexts, LENGTHS, power, toyModelControl, type PowerPoint } from '../watermark-calibration.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, spread, writeSection, type BenchmarkEntry, type Metric } from '../report.js';
import type { CalibrationSummary } from '../../src/evidence/calibration.js';

/** A single-valued metric (the sample is the 10,000 texts, not repeats). */
const single = (name: string, unit: string, better: 'higher' | 'lower', value: number): Metric => ({ name, unit, better, ours: spread([value]), peer: null });

/** The calibration entry of one scheme: both keyings side by side. */
function calibrationEntry(options: BenchOptions, scheme: 'kgw' | 'gumbel', fixed: CalibrationSummary, perText: CalibrationSummary, lengths: string): BenchmarkEntry {
  const rates = (summary: CalibrationSummary) => summary.falseAlarmRates.map((entry) => `${entry.threshold}: ${entry.alarms}/${summary.texts}`).join(', ');
  return {
    id: `watermark-calibration-${scheme}`,
    title: `${scheme === 'kgw' ? 'KGW' : 'Gumbel'} watermark: false alarms on unwatermarked English`,
    command: options.command,
    dataset: `${fixed.texts} unwatermarked texts (${lengths}), non-overlapping windows (per length) of the o200k tokens of nlp-corpus sentences in file order`,
    settings: `${scheme === 'kgw' ? 'γ 0.25, exact binomial tail' : 'Gamma tail Q(N, S)'}, h = 1, each (previous token, token) tuple scored once; one fixed key for every text, and a fresh key per text`,
    peerName: 'fresh key per text', oursName: 'one fixed key', repeats: 1,
    metrics: [
      { ...single('false-alarm rate at p ≤ 1e-3', 'fraction', 'lower', fixed.falseAlarmRates[1]!.rate), peer: spread([perText.falseAlarmRates[1]!.rate]) },
      { ...single('false-alarm rate at p ≤ 1e-2', 'fraction', 'lower', fixed.falseAlarmRates[0]!.rate), peer: spread([perText.falseAlarmRates[0]!.rate]) },
      { ...single(`KS p-value of ${scheme === 'kgw' ? 'randomised ' : ''}p-values vs uniform`, 'p', 'higher', fixed.ks.pValue), peer: spread([perText.ks.pValue]) },
      { ...single('KS statistic D', 'D', 'lower', fixed.ks.statistic), peer: spread([perText.ks.statistic]) },
    ],
    notes: [
      `Alarms per threshold (1e-2, 1e-3, 1e-4, 1e-5), fixed key: ${rates(fixed)}; fresh key per text: ${rates(perText)}.`,
      scheme === 'kgw'
        ? 'The exact binomial tail is discrete (conservative): its false-alarm rate is at most the threshold, but it is not uniform on short texts, so uniformity is tested on the randomised p-value P[X > S] + u·P[X = S].'
        : 'The Gamma tail is continuous, so its p-values themselves are tested for uniformity.',
      'With one fixed key, n-grams every text shares are green (or not) in every text at once, so the texts\' p-values are not independent; the fresh-key column is the null the exact test assumes.',
    ],
    extra: { fixed, perText },
  };
}

/** The power entry: p-value against tokens for KGW and Gumbel texts from the toy model. */
function powerEntry(options: BenchOptions, kgw: PowerPoint[], gumbel: PowerPoint[], control: number, texts: number): BenchmarkEntry {
  const rows = kgw.map((point, index) => {
    const other = gumbel[index]!;
    return `| ${point.tokens} | ${point.medianScored} | ${format(point.medianLog10P)} | ${format(point.detectedAt1e3)} | ${format(point.detectedAt1e6)} | ${other.medianScored} | ${format(other.medianLog10P)} | ${format(other.detectedAt1e6)} |`;
  });
  return {
    id: 'watermark-calibration-power',
    title: 'Watermark detection power against the number of tokens (toy bigram model)',
    command: options.command,
    dataset: `${texts} texts per scheme sampled from a seeded random bigram model over 2,000 tokens (logits 4 × a sum of three uniforms per row); every prefix length scored`,
    settings: 'KGW γ 0.25, δ 2, h = 1 (kgwProcessor); Gumbel sampler, h = 1',
    peerName: 'n/a', repeats: 1,
    body: ['| tokens | KGW scored | KGW median log10 p | KGW detected at 1e-3 | KGW detected at 1e-6 | Gumbel scored | Gumbel median log10 p | Gumbel detected at 1e-6 |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n'),
    metrics: [],
    notes: [
      `Control: the same model sampled without the processor, 200 tokens, one key: false-alarm rate at 1e-3 = ${format(control)}.`,
      'Gumbel sampling is deterministic per context: with h = 1 on a bigram model the text falls into a loop, so the distinct tuples (and the evidence) stop growing after a few dozen tokens; a real decoder needs h > 1 or a repetition stop.',
    ],
    extra: { kgw, gumbel, control },
  };
}

/** Runs the section and writes its entries. */
export async function run(options: BenchOptions): Promise<void> {
  const count = Number(options.argument('watermark-texts') ?? (options.quick ? 1000 : 10_000));
  const texts = await englishTexts(count);
  const lengths = LENGTHS.map((length) => `${texts.filter((tokens) => tokens.length === length).length} of ${length} tokens`).join(', ');
  const entries = (['kgw', 'gumbel'] as const).map((scheme) => calibrationEntry(options, scheme, calibrate(scheme, texts, 'fixed', 11), calibrate(scheme, texts, 'per-text', 11), lengths));
  const powerTexts = options.quick ? 50 : 200;
  entries.push(powerEntry(options, power('kgw', powerTexts, 12), power('gumbel', powerTexts, 12), toyModelControl(options.quick ? 200 : 1000, 13), powerTexts));
  writeSection({ id: 'watermark-calibration', title: 'Watermark calibration and power', entries, quick: options.quick, facts: machineFacts() });
}
