/**
 * `watermark-calibration` (issue 11): false-alarm rates and p-value uniformity of the KGW and Gumbel
 * detectors on ≥ 10,000 unwatermarked English texts, and detection power against the number of tokens
 * on a toy language model (bench/watermark-calibration.ts does the measuring). Knobs: --watermark-texts=N,
 * --watermark-keys=K (keys with one fixed key each, and passes of fresh keys; 10, or 2 in quick mode),
 * --watermark-schemes=kgw|gumbel (one scheme's calibration alone, the section's other entries kept).
 */
import { calibrateOverKeys, englishTexts, LENGTHS, power, toyModelControl, type MultiKeyCalibration, type PowerPoint } from '../watermark-calibration.js';
import { binomialUpperTail } from '../../src/evidence/statistics.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, spread, writeSection, type BenchmarkEntry, type Metric } from '../report.js';
import type { CalibrationSummary } from '../../src/evidence/calibration.js';

/** A single-valued metric (the sample is the 10,000 texts, not repeats). */
const single = (name: string, unit: string, better: 'higher' | 'lower', value: number): Metric => ({ name, unit, better, ours: spread([value]), peer: null });

/** The calibration entry of one scheme: both keyings side by side, each over `keys` keys (or passes). */
function calibrationEntry(options: BenchOptions, scheme: 'kgw' | 'gumbel', fixed: MultiKeyCalibration, perText: MultiKeyCalibration, lengths: string): BenchmarkEntry {
  const keys = fixed.perKey.length;
  const texts = fixed.perKey[0]!.texts;
  const rateAt = (summary: CalibrationSummary, index: number) => summary.falseAlarmRates[index]!.rate;
  const alarmsAt = (calibration: MultiKeyCalibration, index: number) => calibration.perKey.map((summary) => summary.falseAlarmRates[index]!.alarms).join(', ');
  const pooledAlarms = (calibration: MultiKeyCalibration) => calibration.pooled.falseAlarmRates.map((entry) => `${entry.threshold}: ${entry.alarms}/${calibration.pooled.texts}`).join(', ');
  // How surprising the pooled count at 1e-3 is if the rate were exactly 1e-3 (independent texts: exact for fresh keys).
  const surprise = (calibration: MultiKeyCalibration) => format(binomialUpperTail(calibration.pooled.falseAlarmRates[1]!.alarms, calibration.pooled.texts, 1e-3).p);
  // The spread of per-key alarm counts at 1e-2 against a binomial's: the over-dispersion one fixed key brings.
  const dispersion = (calibration: MultiKeyCalibration) => {
    const counts = calibration.perKey.map((summary) => summary.falseAlarmRates[0]!.alarms);
    const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
    const variance = counts.reduce((sum, count) => sum + (count - mean) ** 2, 0) / Math.max(1, counts.length - 1);
    return format(variance / (texts * 1e-2 * (1 - 1e-2)));
  };
  return {
    id: `watermark-calibration-${scheme}`,
    title: `${scheme === 'kgw' ? 'KGW' : 'Gumbel'} watermark: false alarms on unwatermarked English`,
    command: options.command,
    dataset: `${texts} unwatermarked texts (${lengths}), non-overlapping windows (per length) of the o200k tokens of nlp-corpus sentences in file order; scored under ${keys} keys (fixed) or ${keys} passes of fresh keys, ${fixed.pooled.texts} p-values per column`,
    settings: `${scheme === 'kgw' ? 'γ 0.25, exact binomial tail' : 'Gamma tail Q(N, S)'}, h = 1, each (previous token, token) tuple scored once; one fixed key for every text (${keys} such keys), and a fresh key per text (${keys} passes)`,
    peerName: 'fresh key per text', oursName: 'one fixed key', repeats: keys,
    metrics: [
      { ...single(`false-alarm rate at p ≤ 1e-3, pooled over ${keys} keys`, 'fraction', 'lower', rateAt(fixed.pooled, 1)), peer: spread([rateAt(perText.pooled, 1)]) },
      { name: 'false-alarm rate at p ≤ 1e-3, per key', unit: 'fraction', better: 'lower', ours: spread(fixed.perKey.map((summary) => rateAt(summary, 1))), peer: spread(perText.perKey.map((summary) => rateAt(summary, 1))) },
      { ...single(`false-alarm rate at p ≤ 1e-2, pooled over ${keys} keys`, 'fraction', 'lower', rateAt(fixed.pooled, 0)), peer: spread([rateAt(perText.pooled, 0)]) },
      { name: `KS p-value of ${scheme === 'kgw' ? 'randomised ' : ''}p-values vs uniform, per key`, unit: 'p', better: 'higher', ours: spread(fixed.perKey.map((summary) => summary.ks.pValue)), peer: spread(perText.perKey.map((summary) => summary.ks.pValue)) },
      { name: 'KS statistic D, per key', unit: 'D', better: 'lower', ours: spread(fixed.perKey.map((summary) => summary.ks.statistic)), peer: spread(perText.perKey.map((summary) => summary.ks.statistic)) },
      { ...single(`KS p-value, all ${fixed.pooled.texts} pooled`, 'p', 'higher', fixed.pooled.ks.pValue), peer: spread([perText.pooled.ks.pValue]) },
    ],
    notes: [
      `Pooled alarms per threshold, fixed keys: ${pooledAlarms(fixed)}; fresh keys: ${pooledAlarms(perText)}. P[Binomial(${fixed.pooled.texts}, 1e-3) ≥ the pooled count at 1e-3]: fixed ${surprise(fixed)}, fresh ${surprise(perText)}.`,
      `Alarms at 1e-3 per key (of ${texts}): fixed ${alarmsAt(fixed, 1)}; fresh-key passes ${alarmsAt(perText, 1)}. At 1e-2: fixed ${alarmsAt(fixed, 0)}; fresh ${alarmsAt(perText, 0)}.`,
      `Variance of the per-key alarm count at 1e-2 over a binomial's: fixed ${dispersion(fixed)}, fresh ${dispersion(perText)} (1 for independent texts).`,
      scheme === 'kgw'
        ? 'The exact binomial tail is discrete (conservative): its false-alarm rate is at most the threshold, but it is not uniform on short texts, so uniformity is tested on the randomised p-value P[X > S] + u·P[X = S].'
        : 'The Gamma tail is continuous, so its p-values themselves are tested for uniformity; Q(N, S) is pinned to scipy.special.gammaincc at the detector\'s 1e-2, 1e-3 and 1e-5 thresholds for N from 24 to 100,000 (src/evidence/statistics.test.ts).',
      'With one fixed key, n-grams every text shares are green (or not; high r or not) in every text at once, so one key\'s false-alarm count varies more than a binomial\'s and its KS test over one corpus can reject; each text\'s p-value is exact over keys, so the rate pooled over keys is the one pinned to the threshold. The pooled KS of the fixed column is not a test of independent values; the fresh-key column is the null the exact test assumes.',
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
  const keys = Number(options.argument('watermark-keys') ?? (options.quick ? 2 : 10));
  // --watermark-schemes=gumbel re-measures one scheme's calibration alone and keeps the section's other entries.
  const schemes = (options.argument('watermark-schemes') ?? 'kgw,gumbel').split(',').filter((name): name is 'kgw' | 'gumbel' => name === 'kgw' || name === 'gumbel');
  const whole = schemes.length === 2;
  const entries = schemes.map((scheme) => calibrationEntry(options, scheme, calibrateOverKeys(scheme, texts, 'fixed', 11, keys), calibrateOverKeys(scheme, texts, 'per-text', 11, keys), lengths));
  const powerTexts = options.quick ? 50 : 200;
  if (whole) entries.push(powerEntry(options, power('kgw', powerTexts, 12), power('gumbel', powerTexts, 12), toyModelControl(options.quick ? 200 : 1000, 13), powerTexts));
  writeSection({ id: 'watermark-calibration', title: 'Watermark calibration and power', entries, quick: options.quick, facts: machineFacts(), partial: !whole });
}
