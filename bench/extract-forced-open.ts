/**
 * Diagnostic of the extract student's copying: for held-out sentences where the teacher names something, the
 * answer is forced up to the opening quote of the teacher's first name, and the student continues greedily to
 * the closing quote, with the copy constraint off and on. The share it gets exactly right separates "does not
 * open a string" from "cannot copy the name".
 *   npx tsx bench/extract-forced-open.ts <student file saved by bench/extract-copy-ab.ts --save=…>
 */
import { readFileSync } from 'node:fs';
import { ENTITY_SCHEMA } from '../src/demo/entity-extractor.js';
import { copySource } from '../src/student/lm/copy-spans.js';
import { decode } from '../src/student/lm/decoder.js';
import { transformerStepModel } from '../src/student/lm/inference.js';
import { jsonSchemaConstraint } from '../src/student/lm/json-constraint.js';
import { promptTokens } from '../src/student/lm/sequences.js';
import { decodeLanguageModel } from '../src/student/lm/serialise.js';
import { collectTeacherAnswers, heldOutSentences } from './extract-student.js';
import { buildSentenceCorpus } from '../src/demo/sentence-corpus.js';
const file = decodeLanguageModel(new Uint8Array(readFileSync(process.argv[2] ?? 'extract-copy-ab.dstl')));
const model = transformerStepModel(file.weights); const { tokenizer } = file;
const trainItems = await buildSentenceCorpus({ limit: 2000, seed: 0, minChars: 40, maxChars: 250 });
const testItems = (await heldOutSentences(400, new Set(trainItems.map((i) => i.id))));
const answered = (await collectTeacherAnswers(testItems.map((i) => i.text))).answered.filter((a) => /"[^"]+"\]/.test(a.answer) || /\["[^"]/.test(a.answer)).slice(0, 120);
for (const copy of [false, true]) {
  let right = 0;
  for (const item of answered) {
    const open = item.answer.search(/\["./u) + 2; const prefix = item.answer.slice(0, open);
    const expected = item.answer.slice(open, item.answer.indexOf('"', open));
    const constraint = jsonSchemaConstraint(ENTITY_SCHEMA, tokenizer, copy ? copySource(item.sentence) : undefined);
    const forced = tokenizer.encode(prefix); for (const t of forced) constraint.accept(t);
    const g = decode(model, tokenizer, [...promptTokens(tokenizer, item.sentence), ...forced], { maxTokens: 30, constraint, stop: ['"'] });
    if (g.text === expected) right++;
  }
  console.log(JSON.stringify({ copy, forcedOpen: answered.length, firstNameExact: right / answered.length }));
}
