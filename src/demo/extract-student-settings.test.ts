import { describe, expect, it } from 'vitest';
import { languageModelConfig } from '../student/lm/config.js';
import { trainTokenizer } from '../student/lm/tokenizer.js';
import { EXTRACT_DEMO_STUDENT } from './extract-student-settings.js';
import { extractAnswer } from './extract-teacher-server.js';
import { buildSentenceCorpus, sentencePool } from './sentence-corpus.js';

describe('EXTRACT_DEMO_STUDENT', () => {
  it('is a shape the language-model student accepts', () => {
    expect(() => languageModelConfig({ ...EXTRACT_DEMO_STUDENT.config, vocabularySize: EXTRACT_DEMO_STUDENT.vocabularySize })).not.toThrow();
  });

  it('has a context that holds the longest demo sentences with their answers', async () => {
    // A tokenizer trained on fewer sentences than the demo's encodes longer, so this errs on the safe side.
    const sample = (await buildSentenceCorpus({ limit: 150, seed: 0 })).map((item) => item.text);
    const longest = (await sentencePool()).map((item) => item.text).sort((a, b) => b.length - a.length).slice(0, 10);
    const texts = sample.flatMap((sentence) => [sentence, extractAnswer(sentence)]);
    const tokenizer = trainTokenizer(texts, EXTRACT_DEMO_STUDENT.vocabularySize);
    const lengths = longest.map((sentence) => tokenizer.encode(EXTRACT_DEMO_STUDENT.promptPrefix + sentence).length + tokenizer.encode(extractAnswer(sentence)).length + 3);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(EXTRACT_DEMO_STUDENT.config.context + 1);
  }, 60_000);
});
