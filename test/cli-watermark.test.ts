/**
 * `distillery watermark keygen|detect` as a user runs it: a key on stdout, texts scored from files or
 * stdin with an exact p-value, "not enough evidence" for short texts, and each bad key one line, exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextSeeder } from '../src/evidence/context-prf.js';
import { detectKgw, isGreen } from '../src/evidence/kgw.js';
import { parseWatermarkKey, type WatermarkKey } from '../src/evidence/watermark-key.js';
import { EXIT } from '../src/util/errors.js';
import { jsonLines, runCli } from './cli-helpers.js';

const WORDS = 'the of and to in is was for on that with as by at from his her they this which or had are but not have one were all their been an has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');

let folder: string;
let keyFile: string;
let key: WatermarkKey;

/** A text of single-token words where every word is green after the one before (what a strongly watermarked sampler writes). */
function greenText(words: number): string {
  const seeder = createContextSeeder(key);
  const chosen = ['The'];
  const tokens = [encode('The')[0]!];
  for (let index = 0; chosen.length < words; index++) {
    const word = WORDS[(index * 7) % WORDS.length]!;
    const token = encode(` ${word}`);
    if (token.length === 1 && isGreen(seeder(tokens, tokens.length), token[0]!, key.gamma)) {
      chosen.push(word);
      tokens.push(token[0]!);
    }
  }
  return `${chosen.join(' ')}.`;
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-watermark-'));
  const keygen = await runCli(['watermark', 'keygen', '--scheme', 'kgw']);
  expect(keygen.code).toBe(EXIT.ok);
  keyFile = path.join(folder, 'key.json');
  writeFileSync(keyFile, keygen.stdout);
  key = parseWatermarkKey(keygen.stdout, keyFile, 'kgw');
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('distillery watermark', () => {
  it('detects a text written with the key (files and stdin), with the same figures as the library', async () => {
    const marked = greenText(80);
    const plain = 'The committee met on Tuesday to discuss the budget for next year, and after a long debate they agreed to fund the new library, the park and two schools in the northern district.';
    writeFileSync(path.join(folder, 'marked.txt'), marked);
    writeFileSync(path.join(folder, 'plain.txt'), plain);
    const result = await runCli(['watermark', 'detect', '--key', keyFile, '--json', path.join(folder, 'marked.txt'), path.join(folder, 'plain.txt')]);
    expect(result.code).toBe(EXIT.ok);
    const [markedLine, plainLine] = jsonLines(result.stdout);
    const expected = detectKgw(key, encode(marked));
    expect(markedLine).toMatchObject({ scheme: 'kgw', scored: expected.scored, green: expected.green, pValue: expected.pValue, verdict: 'watermarked at p < 1e-3' });
    expect(markedLine!.log10P as number).toBeLessThan(-10);
    expect(plainLine).toMatchObject({ verdict: 'no watermark evidence' });
    const human = await runCli(['watermark', 'detect', '--key', keyFile], { input: marked });
    expect(human.stdout).toMatch(/^stdin: \d+ tuples scored \(\d+ tokens\), \d+ green, p = .*: watermarked at p < 1e-3\n$/u);
  });

  it('says "not enough evidence" for fewer than 25 scored tuples instead of a p-value', async () => {
    const result = await runCli(['watermark', 'detect', '--key', keyFile], { input: 'Too short to tell.' });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^stdin: not enough evidence \(\d+ distinct tuples scored of \d+ tokens; at least 25 needed\)\n$/u);
  });

  it.each([
    ['missing', 'absent.json', /^distillery: cannot read the watermark key .*absent\.json: no such file/u],
    ['malformed', 'broken.json', /^distillery: .*broken\.json: not a watermark key file/u],
    ['of another scheme', 'lexical.json', /^distillery: .*lexical\.json: "scheme" must be one of kgw, gumbel, got "lexical"/u],
    ['of an unknown version', 'future.json', /^distillery: .*future\.json: unknown key version 9/u],
  ])('refuses a key file that is %s: one line, exit 2', async (_case, file, message) => {
    writeFileSync(path.join(folder, 'broken.json'), '{ not json');
    writeFileSync(path.join(folder, 'lexical.json'), JSON.stringify({ scheme: 'lexical', version: 1 }));
    writeFileSync(path.join(folder, 'future.json'), JSON.stringify({ scheme: 'kgw', version: 9 }));
    const result = await runCli(['watermark', 'detect', '--key', path.join(folder, file)], { input: 'some text' });
    expect(result.code).toBe(EXIT.invalidInput);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});
