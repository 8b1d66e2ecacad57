import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageDetector, type LanguageGuess } from './language-detector.js';
import { LANGUAGE_LABELS } from './language-labels.js';
import { languageAnswer, startLanguageTeacherServer, UNKNOWN_LANGUAGE } from './language-teacher-server.js';

const PYTHON = `import os
import sys


def read_lines(path):
    with open(path) as handle:
        return [line.rstrip() for line in handle]


if __name__ == "__main__":
    for line in read_lines(sys.argv[1]):
        print(line)
`;

const JAVASCRIPT = `'use strict';
const fs = require('fs');
const path = require('path');

function readConfig(dir) {
  const file = path.join(dir, 'config.json');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

module.exports = { readConfig };
`;

let server: Awaited<ReturnType<typeof startLanguageTeacherServer>>;
let client: OpenAI;

beforeAll(async () => {
  server = await startLanguageTeacherServer();
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

/** Asks the teacher about `text` the way the pipeline does. */
function ask(text: string, topLogprobs = 20): Promise<OpenAI.Chat.ChatCompletion> {
  return client.chat.completions.create({
    model: 'vscode-languagedetection',
    messages: [
      { role: 'system', content: 'Name the programming language.' },
      { role: 'user', content: text },
    ],
    logprobs: true,
    top_logprobs: topLogprobs,
  });
}

describe('LANGUAGE_LABELS', () => {
  it('equals the ids the packaged model answers', async () => {
    const detector = createLanguageDetector();
    const guesses = await detector.detect(PYTHON);
    detector.dispose();
    expect(guesses.map((guess) => guess.languageId).sort()).toEqual([...LANGUAGE_LABELS]);
    expect(guesses.reduce((sum, guess) => sum + guess.confidence, 0)).toBeCloseTo(1, 4);
  });
});

describe('language teacher server, with the openai SDK', () => {
  it('lists its model', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['vscode-languagedetection']);
  });

  it('labels a Python snippet py, with logprobs over known labels that match the model', async () => {
    const completion = await ask(PYTHON);
    const choice = completion.choices[0];
    expect(choice?.message.content).toBe('py');
    const entry = choice?.logprobs?.content?.[0];
    expect(choice?.logprobs?.content).toHaveLength(1);
    expect(entry?.token).toBe('py');
    const alternatives = entry?.top_logprobs ?? [];
    expect(alternatives).toHaveLength(20);
    expect(alternatives[0]).toMatchObject({ token: 'py', logprob: entry?.logprob });
    expect(alternatives.every((alternative) => (LANGUAGE_LABELS as readonly string[]).includes(alternative.token))).toBe(true);
    const logprobs = alternatives.map((alternative) => alternative.logprob);
    expect(logprobs).toEqual([...logprobs].sort((a, b) => b - a));
    // 20 of 54 languages: most of the mass, never more than all of it.
    const covered = alternatives.reduce((sum, alternative) => sum + Math.exp(alternative.logprob), 0);
    expect(covered).toBeGreaterThan(0.8);
    expect(covered).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('reports exactly the model confidences as natural logs', async () => {
    const detector = createLanguageDetector();
    const guesses = await detector.detect(JAVASCRIPT);
    detector.dispose();
    const alternatives = (await ask(JAVASCRIPT, 5)).choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
    expect(alternatives.map((alternative) => alternative.token)).toEqual(guesses.slice(0, 5).map((guess) => guess.languageId));
    alternatives.forEach((alternative, index) => expect(Math.exp(alternative.logprob)).toBeCloseTo(guesses[index]?.confidence ?? -1, 6));
  });

  it('labels a JavaScript snippet js, with usage', async () => {
    const completion = await ask(JAVASCRIPT);
    expect(completion.choices[0]?.message.content).toBe('js');
    expect(completion.usage?.completion_tokens).toBe(1);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(40);
  });

  it('answers "unknown" without logprobs for text too short for the model, and counts calls', async () => {
    const before = server.calls();
    const completion = await ask('x = 1');
    expect(completion.choices[0]?.message.content).toBe(UNKNOWN_LANGUAGE);
    expect(completion.choices[0]?.logprobs).toBeNull();
    expect(server.calls()).toBe(before + 1);
  });

  it('answers concurrent requests, each with its own label', async () => {
    const answers = await Promise.all([PYTHON, JAVASCRIPT, PYTHON, JAVASCRIPT].map((text) => ask(text, 1)));
    expect(answers.map((answer) => answer.choices[0]?.message.content)).toEqual(['py', 'js', 'py', 'js']);
  });
});

describe('language detector queue', () => {
  it('runs model calls one at a time, in order, and survives a failed call', async () => {
    let active = 0;
    let mostActive = 0;
    const order: string[] = [];
    const releases: Array<() => void> = [];
    const model = {
      runModel: async (text: string): Promise<LanguageGuess[]> => {
        active += 1;
        mostActive = Math.max(mostActive, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        order.push(text);
        active -= 1;
        if (text === 'fail') throw new Error('model failed');
        return [{ languageId: text, confidence: 1 }];
      },
      dispose: () => undefined,
    };
    const detector = createLanguageDetector(model);
    const results = ['a', 'fail', 'b'].map((text) => detector.detect(text).catch((error: Error) => error.message));
    // Release whichever call is waiting until all three have run; only one may ever wait at a time.
    while (order.length < 3) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    expect(await Promise.all(results)).toEqual([[{ languageId: 'a', confidence: 1 }], 'model failed', [{ languageId: 'b', confidence: 1 }]]);
    expect(order).toEqual(['a', 'fail', 'b']);
    expect(mostActive).toBe(1);
  });
});

describe('languageAnswer', () => {
  it('ranks by confidence, leaving a zero confidence at -Infinity for the response builder to floor', () => {
    const answer = languageAnswer([
      { languageId: 'c', confidence: 0 },
      { languageId: 'go', confidence: 0.75 },
      { languageId: 'rs', confidence: 0.25 },
    ]);
    expect(answer.label).toBe('go');
    expect(answer.ranked?.map((candidate) => candidate.token)).toEqual(['go', 'rs', 'c']);
    expect(answer.ranked?.[2]?.logprob).toBe(-Infinity);
    expect(languageAnswer([])).toEqual({ label: UNKNOWN_LANGUAGE, ranked: null });
  });
});
