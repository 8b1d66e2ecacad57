/** A project's curated splits read back from its store as training examples, for retraining behind the route. */
import type { Store } from '../store/types.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import type { TrainingExample } from '../student/types.js';
import { jsonText } from '../task/kinds/extract.js';

/** The examples of each split of a project: kept inputs with a label answer from `teacherModel` (the newest). */
export async function projectExamples(store: Store, labels: readonly string[], teacherModel: string): Promise<{ train: TrainingExample[]; validation: TrainingExample[]; test: TrainingExample[] }> {
  const [inputs, splits, responses] = await Promise.all([store.listInputs(), store.listSplits(), store.listResponses()]);
  const splitOf = new Map(splits.filter((assignment) => assignment.duplicateOf === null).map((assignment) => [assignment.inputId, assignment.split]));
  const index = new Map(labels.map((label, position) => [label, position]));
  const answers = new Map<string, { label: number; soft: number[] | null; createdAt: number }>();
  for (const response of responses) {
    const label = response.label === null ? undefined : index.get(response.label);
    if (response.model !== teacherModel || response.kind !== 'label' || label === undefined) continue;
    const known = answers.get(response.inputId);
    if (known === undefined || response.createdAt > known.createdAt) answers.set(response.inputId, { label, soft: response.distribution, createdAt: response.createdAt });
  }
  const train: TrainingExample[] = [];
  const validation: TrainingExample[] = [];
  const test: TrainingExample[] = [];
  for (const input of inputs) {
    const answer = answers.get(input.id);
    const split = splitOf.get(input.id);
    if (answer === undefined || split === undefined) continue;
    (split === 'train' ? train : split === 'val' ? validation : test).push({ text: input.text, label: answer.label, soft: answer.soft });
  }
  return { train, validation, test };
}

/**
 * The training and validation answers of an extract or generate project, as a language-model student
 * learns them: the input text as the prompt, the teacher's newest whole completion (extract: its JSON,
 * unfenced) as the answer; completions cut short by max tokens are left out.
 */
export async function generativeProjectExamples(store: Store, kind: 'extract' | 'generate', teacherModel: string): Promise<{ train: GenerationExample[]; validation: GenerationExample[] }> {
  const [inputs, splits, responses] = await Promise.all([store.listInputs(), store.listSplits(), store.listResponses()]);
  const splitOf = new Map(splits.filter((assignment) => assignment.duplicateOf === null).map((assignment) => [assignment.inputId, assignment.split]));
  const answers = new Map<string, { text: string; createdAt: number }>();
  for (const response of responses) {
    const text = response.completion?.text;
    if (response.model !== teacherModel || text === undefined || response.completion?.finishReason === 'length') continue;
    const known = answers.get(response.inputId);
    if (known === undefined || response.createdAt > known.createdAt) answers.set(response.inputId, { text, createdAt: response.createdAt });
  }
  const train: GenerationExample[] = [];
  const validation: GenerationExample[] = [];
  for (const input of inputs) {
    const answer = answers.get(input.id);
    const split = splitOf.get(input.id);
    if (answer === undefined || (split !== 'train' && split !== 'val')) continue;
    (split === 'train' ? train : validation).push({ prompt: input.text, answer: kind === 'extract' ? jsonText(answer.text) : answer.text });
  }
  return { train, validation };
}
