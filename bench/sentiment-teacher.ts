/**
 * A second teacher for the selection benchmark, on data the settings were not chosen on: the UCI
 * sentiment sentences (bench/datasets.ts) labelled by npm sentiment 5.0.2 (the AFINN-165 lexicon with
 * negation), a real rule-based classifier with three answers. Its distribution is a softmax over
 * (score, −score, 1 − |score|): sure for strong scores, a near-tie for weak ones, "neutral" for none.
 */
import Sentiment from 'sentiment';
import { sentences } from './datasets.js';
import type { SelectionTask, TeacherItem } from './active-selection.js';

const LABELS = ['positive', 'negative', 'neutral'] as const;

/** Softmax of three logits. */
function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - top));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}

/** The sentiment sentences with the lexicon teacher's answers. */
export function sentimentTask(): SelectionTask {
  const analyser = new Sentiment();
  const items: TeacherItem[] = sentences().items.map((item) => {
    const score = analyser.analyze(item.text).score;
    const soft = softmax([score, -score, 1 - Math.abs(score)]);
    const teacher = soft.indexOf(Math.max(...soft));
    return { id: item.id, text: item.text, teacher, soft };
  });
  return { name: 'sentiment-sentences', labels: LABELS, system: `Classify the sentiment of the sentence. Answer with one of: ${LABELS.join(', ')}`, items };
}
