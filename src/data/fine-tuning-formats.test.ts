import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportFineTuning, FINE_TUNING_FORMATS, fineTuningRecord, type FineTuningFormat } from './fine-tuning-formats.js';
import type { GenerativeExample } from './generative-example.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-fine-tuning-'));
const line = (format: FineTuningFormat, example: GenerativeExample) => JSON.stringify(fineTuningRecord(format, example));

const extract: GenerativeExample = {
  id: 'e1',
  split: 'train',
  messages: [
    { role: 'system', content: 'You extract entities.' },
    { role: 'user', content: 'Extract the people as JSON.\n\nSentence: Ada met Alan.' },
  ],
  answer: '{"people":["Ada","Alan"]}',
  finishReason: 'stop',
  input: 'Sentence: Ada met Alan.',
};
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const withTools: GenerativeExample = { id: 'e2', split: 'val', messages: [{ role: 'user', content: 'Weather in Oslo?' }], answer: 'Cold.', finishReason: 'stop', tools: [weather], ranked: { preferred: 'Cold.', rejected: 'Hot!' } };
const { input: _rawInput, ...extractWithoutInput } = extract;
const { tools: _tools, ...withoutTools } = withTools;
const fewShot: GenerativeExample = {
  id: 'e3',
  split: 'train',
  messages: [
    { role: 'system', content: 'Translate to French.' },
    { role: 'user', content: 'cat' },
    { role: 'assistant', content: 'chat' },
    { role: 'user', content: 'dog' },
  ],
  answer: 'chien',
  finishReason: 'stop',
};

describe('fine-tuning lines (golden)', () => {
  it('OpenAI chat: prompt then the answer, tools only when present', () => {
    expect(line('openai-chat', extract)).toBe('{"messages":[{"role":"system","content":"You extract entities."},{"role":"user","content":"Extract the people as JSON.\\n\\nSentence: Ada met Alan."},{"role":"assistant","content":"{\\"people\\":[\\"Ada\\",\\"Alan\\"]}"}]}');
    expect(line('openai-chat', withTools)).toBe('{"messages":[{"role":"user","content":"Weather in Oslo?"},{"role":"assistant","content":"Cold."}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}');
    expect(line('openai-chat', { ...withTools, tools: [] })).toBe('{"messages":[{"role":"user","content":"Weather in Oslo?"},{"role":"assistant","content":"Cold."}]}');
  });

  it('ShareGPT: system, human, gpt', () => {
    expect(line('sharegpt', fewShot)).toBe('{"conversations":[{"from":"system","value":"Translate to French."},{"from":"human","value":"cat"},{"from":"gpt","value":"chat"},{"from":"human","value":"dog"},{"from":"gpt","value":"chien"}]}');
  });

  it('Alpaca: system and template words as instruction, the raw input as input', () => {
    expect(line('alpaca', extract)).toBe('{"instruction":"You extract entities.\\n\\nExtract the people as JSON.","input":"Sentence: Ada met Alan.","output":"{\\"people\\":[\\"Ada\\",\\"Alan\\"]}"}');
    expect(line('alpaca', extractWithoutInput)).toBe('{"instruction":"You extract entities.","input":"Extract the people as JSON.\\n\\nSentence: Ada met Alan.","output":"{\\"people\\":[\\"Ada\\",\\"Alan\\"]}"}');
    expect(line('alpaca', fewShot)).toBe('{"instruction":"Translate to French.\\n\\nExample input: cat\\n\\nExample output: chat","input":"dog","output":"chien"}');
  });

  it('Hugging Face messages: role and content only, no tools', () => {
    expect(line('hf-messages', withTools)).toBe('{"messages":[{"role":"user","content":"Weather in Oslo?"},{"role":"assistant","content":"Cold."}]}');
  });

  it('DPO: input messages (and tools), preferred and non-preferred assistant outputs; nothing without a ranked pair', () => {
    expect(line('dpo', withTools)).toBe('{"input":{"messages":[{"role":"user","content":"Weather in Oslo?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]},"preferred_output":[{"role":"assistant","content":"Cold."}],"non_preferred_output":[{"role":"assistant","content":"Hot!"}]}');
    expect(line('dpo', { ...withoutTools, ranked: { preferred: 'A', rejected: 'B' } })).toBe('{"input":{"messages":[{"role":"user","content":"Weather in Oslo?"}]},"preferred_output":[{"role":"assistant","content":"A"}],"non_preferred_output":[{"role":"assistant","content":"B"}]}');
    expect(fineTuningRecord('dpo', extract)).toBeNull();
  });

  it('never shares or mutates the example’s message objects', () => {
    const record = fineTuningRecord('openai-chat', extract) as { messages: Array<{ content: string }> };
    (record.messages[0] as { content: string }).content = 'changed';
    expect(extract.messages[0]?.content).toBe('You extract entities.');
    expect(extract.messages).toHaveLength(2);
  });
});

describe('exportFineTuning', () => {
  it('writes one file per format and split in one pass, with counts, skips and warnings', async () => {
    const directory = path.join(folder, 'all');
    async function* examples(): AsyncGenerator<GenerativeExample> {
      yield extract;
      yield withTools;
      yield fewShot;
      yield { ...extract, id: 'e4', split: 'test' };
    }
    const result = await exportFineTuning(examples(), { directory, formats: [...FINE_TUNING_FORMATS, 'sharegpt'] });
    expect(readdirSync(directory).sort()).toEqual(['alpaca-train.jsonl', 'alpaca-val.jsonl', 'dpo-train.jsonl', 'dpo-val.jsonl', 'hf-messages-train.jsonl', 'hf-messages-val.jsonl', 'openai-chat-train.jsonl', 'openai-chat-val.jsonl', 'sharegpt-train.jsonl', 'sharegpt-val.jsonl']);
    const counts = Object.fromEntries(result.files.map((file) => [`${file.format}/${file.split}`, [file.examples, file.skipped]]));
    expect(counts).toEqual({ 'openai-chat/train': [2, 0], 'openai-chat/val': [1, 0], 'sharegpt/train': [2, 0], 'sharegpt/val': [1, 0], 'alpaca/train': [2, 0], 'alpaca/val': [1, 0], 'hf-messages/train': [2, 0], 'hf-messages/val': [1, 0], 'dpo/train': [0, 2], 'dpo/val': [1, 0] });
    expect(readFileSync(path.join(directory, 'sharegpt-val.jsonl'), 'utf8')).toBe(`${line('sharegpt', withTools)}\n`);
    expect(readFileSync(path.join(directory, 'openai-chat-train.jsonl'), 'utf8')).toBe(`${line('openai-chat', extract)}\n${line('openai-chat', fewShot)}\n`);
    expect(result.warnings).toEqual([
      'openai-chat-train.jsonl has 2 examples; OpenAI fine-tuning needs at least 10',
      'openai-chat-val.jsonl has 1 examples; OpenAI fine-tuning needs at least 10',
      'dpo-train.jsonl has 0 examples; OpenAI fine-tuning needs at least 10',
      'dpo-train.jsonl left out 2 examples without a ranked pair',
      'dpo-val.jsonl has 1 examples; OpenAI fine-tuning needs at least 10',
    ]);
  });

  it('writes the splits asked for, and leaves no file behind when the source fails', async () => {
    const directory = path.join(folder, 'test-only');
    const result = await exportFineTuning([extract, { ...extract, id: 'e4', split: 'test' }], { directory, formats: ['alpaca'], splits: ['test'] });
    expect(result.files.map((file) => [path.basename(file.file), file.examples])).toEqual([['alpaca-test.jsonl', 1]]);
    const failed = path.join(folder, 'failed');
    function* broken(): Generator<GenerativeExample> {
      yield extract;
      throw new Error('source broke');
    }
    await expect(exportFineTuning(broken(), { directory: failed, formats: ['openai-chat', 'sharegpt'] })).rejects.toThrow('source broke');
    expect(readdirSync(failed)).toEqual([]);
  });
});
