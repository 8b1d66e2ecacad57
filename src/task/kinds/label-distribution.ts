/**
 * Logprobs → a probability over the task's labels (the teacher's "dark knowledge").
 *
 * Method. Walk the chosen answer's tokens. At position i, `top_logprobs` is the teacher's
 * conditional distribution over the next token given the chosen prefix, so every listed candidate
 * carries `pathMass × p` (pathMass = probability of the chosen prefix). Each candidate extends the
 * normalised prefix (lower case, whitespace collapsed, leading whitespace/quotes dropped before the
 * label begins) and is judged against the label set:
 *  - same text as the chosen candidate (" Positive" vs "positive"): it follows the chosen path;
 *  - compatible with no label: tail (junk);
 *  - adds nothing yet (a bare quote or space before the label) and is not chosen: undetermined —
 *    it says nothing about the label, so it is left out and renormalising spreads it pro rata;
 *  - compatible with exactly one label: all its mass goes there;
 *  - compatible with several (a shared first token, e.g. "c" for c / cpp / cs, "pos" for pos /
 *    positive): on the chosen path the walk goes on and the next position splits it; off the chosen
 *    path we cannot see its continuation, so the rule is: the label it completes exactly (longest,
 *    if several) takes it all — a tokenizer encodes a whole word as one token, so a bare prefix token
 *    most likely ends there — else it is split evenly over the compatible labels.
 * Mass outside the listed top-k at each position (1 − Σp) is tail. A logprob of -9999 means
 * "outside the top 20" and counts as 0; if the *chosen* token has it, the chosen path gets the
 * unlisted remainder, its only honest upper bound.
 * Result: label masses renormalised to sum to 1; tailMass = tail / (labels + tail), both measured
 * without the undetermined mass.
 */
import { isTerminatorOnly, normaliseAnswer, normaliseToken, stripLeadingNoise } from './label-match.js';

export { matchLabel } from './label-match.js';

/** One alternative at a position, as in OpenAI's `top_logprobs`. */
export interface LogprobCandidate {
  token: string;
  logprob: number;
  bytes?: number[] | null;
}

/** One generated token with its alternatives, as in OpenAI's `choices[i].logprobs.content[]`. */
export interface LogprobToken extends LogprobCandidate {
  top_logprobs?: LogprobCandidate[] | null;
}

/** A distribution over the task's labels derived from logprobs. */
export interface LabelDistribution {
  /** Probability per label, in the labels' order, summing to 1. */
  distribution: number[];
  /** Share of the probability that went to no label (junk tokens, outside the top-k). */
  tailMass: number;
  warnings: string[];
}

/** OpenAI's marker for "this token is outside the top 20". */
const OUTSIDE_TOP_K = -9999;

/** The label set as normalised forms; labels equal after normalising share one form. */
interface LabelForms {
  forms: string[];
  labelsOfForm: Map<string, number[]>;
}

/** Mutable tallies of one walk. */
interface Tally {
  formMass: Map<string, number>;
  tail: number;
  undetermined: number;
  warnings: string[];
}

/** Groups labels by their normalised form. */
function labelForms(labels: readonly string[]): LabelForms {
  const labelsOfForm = new Map<string, number[]>();
  labels.forEach((label, index) => {
    const form = normaliseAnswer(label);
    labelsOfForm.set(form, [...(labelsOfForm.get(form) ?? []), index]);
  });
  return { forms: [...labelsOfForm.keys()].filter((form) => form !== ''), labelsOfForm };
}

/** Forms that `text` may still become (it is their prefix) or that it completes (form + terminators). */
function compatibleForms(text: string, forms: readonly string[]): string[] {
  return forms.filter((form) => form.startsWith(text) || (text.startsWith(form) && isTerminatorOnly(text.slice(form.length))));
}

/** The longest form that `text` completes, if any. */
function completedForm(text: string, forms: readonly string[]): string | undefined {
  return forms
    .filter((form) => text.startsWith(form) && isTerminatorOnly(text.slice(form.length)))
    .sort((a, b) => b.length - a.length)[0];
}

/** The normalised answer so far after appending `token`. */
function extend(prefix: string, token: string): string {
  const text = prefix + normaliseToken(token);
  return prefix === '' ? stripLeadingNoise(text) : text;
}

/** Probability of a logprob; null for the outside-top-k marker or a non-number. */
function probability(logprob: number): number | null {
  if (!Number.isFinite(logprob) || logprob <= OUTSIDE_TOP_K) return null;
  return Math.min(1, Math.exp(logprob));
}

/** Adds mass to a form. */
function addToForm(tally: Tally, form: string, mass: number): void {
  tally.formMass.set(form, (tally.formMass.get(form) ?? 0) + mass);
}

/** Assigns the mass of an answer prefix whose continuation we cannot see (the rule in the header). */
function assignOffPath(tally: Tally, text: string, mass: number, forms: readonly string[]): void {
  if (mass <= 0) return;
  if (text === '') {
    tally.undetermined += mass;
    return;
  }
  const compatible = compatibleForms(text, forms);
  if (compatible.length === 0) {
    tally.tail += mass;
    return;
  }
  const exact = completedForm(text, compatible);
  if (exact !== undefined) {
    addToForm(tally, exact, mass);
    return;
  }
  for (const form of compatible) addToForm(tally, form, mass / compatible.length);
}

/** The listed alternatives at a position, deduplicated by token text. */
function candidatesAt(position: LogprobToken): LogprobCandidate[] {
  const seen = new Set<string>([position.token]);
  const others: LogprobCandidate[] = [];
  for (const candidate of position.top_logprobs ?? []) {
    // Some servers send entries without a token; they say nothing about any label.
    if (typeof candidate.token !== 'string' || seen.has(candidate.token)) continue;
    seen.add(candidate.token);
    others.push(candidate);
  }
  return others;
}

/** Walks the chosen tokens, spreading probability over label forms (see the header). */
function walk(content: readonly LogprobToken[], forms: readonly string[], tally: Tally): void {
  let prefix = '';
  let pathMass = 1;
  let outsideTopK = 0;
  for (const [index, position] of content.entries()) {
    const chosenText = extend(prefix, position.token);
    let listed = 0;
    let following = 0;
    for (const candidate of candidatesAt(position)) {
      const p = probability(candidate.logprob);
      if (p === null) {
        outsideTopK++;
        continue;
      }
      listed += p;
      const text = extend(prefix, candidate.token);
      if (text === chosenText) following += p;
      else assignOffPath(tally, text, pathMass * p, forms);
    }
    let chosen = probability(position.logprob);
    if (chosen === null) {
      chosen = Math.max(0, 1 - listed);
      tally.warnings.push(`the chosen token ${JSON.stringify(position.token)} at position ${index} was outside the top-k; it was given the unlisted remainder`);
    }
    tally.tail += pathMass * Math.max(0, 1 - listed - chosen);
    following += chosen;
    const compatible = compatibleForms(chosenText, forms);
    if (compatible.length === 0) {
      tally.tail += pathMass * following;
      tally.warnings.push(`the answer's tokens left every label at position ${index}; that mass counts as tail`);
      pathMass = 0;
      break;
    }
    if (compatible.length === 1 && chosenText !== '') {
      addToForm(tally, compatible[0] as string, pathMass * following);
      pathMass = 0;
      break;
    }
    pathMass *= following;
    prefix = chosenText;
  }
  if (pathMass > 0) {
    // The answer ended while several labels were still possible: the text as it stands decides.
    if (completedForm(prefix, forms) === undefined) tally.warnings.push('the answer ended before any label was complete');
    assignOffPath(tally, prefix, pathMass, forms);
  }
  if (outsideTopK > 0) tally.warnings.push(`${outsideTopK} candidate token(s) had logprob -9999 (outside the top 20) and counted as 0`);
}

/** Turns the logprobs of an answer into a distribution over `labels`; null when they carry no label mass. */
export function labelDistribution(content: readonly LogprobToken[] | null | undefined, labels: readonly string[]): LabelDistribution | null {
  if (content === null || content === undefined || content.length === 0 || labels.length === 0) return null;
  const { forms, labelsOfForm } = labelForms(labels);
  const tally: Tally = { formMass: new Map(), tail: 0, undetermined: 0, warnings: [] };
  walk(content, forms, tally);
  const distribution = labels.map(() => 0);
  let labelMass = 0;
  for (const [form, mass] of tally.formMass) {
    const indices = labelsOfForm.get(form) ?? [];
    for (const index of indices) distribution[index] = (distribution[index] ?? 0) + mass / indices.length;
    labelMass += mass;
  }
  if (!(labelMass > 0)) return null;
  return {
    distribution: distribution.map((mass) => mass / labelMass),
    tailMass: tally.tail / (labelMass + tally.tail),
    warnings: tally.warnings,
  };
}
