import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.js';
import { DEFAULT_RECIPE_MODEL, gpuRecipeReadme, trlRecipe, unslothRecipe, writeGpuRecipes } from './gpu-recipe.js';

const PYTHON = '/usr/bin/python3';
const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-gpu-recipe-'));
/** Parses the file as Python and prints its string constants as JSON, so a test sees what Python sees. */
const PARSE = 'import ast, json, sys\ntree = ast.parse(open(sys.argv[1], encoding="utf-8").read())\nprint(json.dumps([node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]))';
const pythonStrings = (file: string) => JSON.parse(execFileSync(PYTHON, ['-c', PARSE, file], { encoding: 'utf8' })) as string[];

describe('GPU recipes', () => {
  const options = { trainFile: 'hf-messages-train.jsonl', validationFile: 'hf-messages-val.jsonl' };

  it('name the default model, the export paths, the chat template and the LoRA settings', () => {
    const trl = trlRecipe(options);
    expect(trl).toContain(`MODEL = "${DEFAULT_RECIPE_MODEL}"`);
    expect(trl).toContain('TRAIN_FILE = HERE / "hf-messages-train.jsonl"');
    expect(trl).toContain('VALIDATION_FILE = HERE / "hf-messages-val.jsonl"');
    expect(trl).toContain('tokenizer.apply_chat_template(example["messages"], tokenize=False)');
    expect(trl).toContain('from trl import SFTConfig, SFTTrainer');
    expect(trl).toContain('LoraConfig(r=LORA_RANK, lora_alpha=LORA_ALPHA');
    expect(trl).toContain('merge_and_unload()');
    expect(trl).toContain('convert_hf_to_gguf.py');
    const unsloth = unslothRecipe({ ...options, model: 'meta-llama/Llama-3.2-1B-Instruct', loraRank: 8 });
    expect(unsloth).toContain('MODEL = "meta-llama/Llama-3.2-1B-Instruct"');
    expect(unsloth).toContain('LORA_RANK = 8');
    expect(unsloth.indexOf('from unsloth import FastLanguageModel')).toBeLessThan(unsloth.indexOf('from trl import'));
    expect(unsloth).toContain('save_pretrained_merged');
    expect(unsloth).toContain('save_pretrained_gguf');
    expect(trlRecipe({ trainFile: 'train.jsonl' })).toContain('VALIDATION_FILE = None');
  });

  it('the README snippet names the model, the export and both scripts', () => {
    const readme = gpuRecipeReadme({ ...options, epochs: 2 });
    expect(readme).toContain(`\`${DEFAULT_RECIPE_MODEL}\``);
    expect(readme).toContain('`hf-messages-train.jsonl`');
    expect(readme).toContain('`train_trl.py`');
    expect(readme).toContain('`train_unsloth.py`');
    expect(readme).toContain('2 epochs');
  });

  it('rejects settings that would make a broken script', () => {
    expect(() => trlRecipe({ trainFile: ' ' })).toThrow(UsageError);
    expect(() => trlRecipe({ trainFile: 'a', epochs: 0 })).toThrow('GPU recipe: epochs must be a positive number, got 0');
    expect(() => unslothRecipe({ trainFile: 'a', loraRank: 2.5 })).toThrow('GPU recipe: loraRank must be an integer of at least 1, got 2.5');
    expect(() => trlRecipe({ trainFile: 'a', learningRate: Number.NaN })).toThrow(UsageError);
  });

  it('writes the three files atomically', async () => {
    const directory = path.join(folder, 'written');
    const files = await writeGpuRecipes(directory, options);
    expect(readdirSync(directory).sort()).toEqual(['GPU-README.md', 'train_trl.py', 'train_unsloth.py']);
    expect(readFileSync(files.trl, 'utf8')).toBe(trlRecipe(options));
    expect(readFileSync(files.readme, 'utf8')).toBe(gpuRecipeReadme(options));
  });

  it.skipIf(!existsSync(PYTHON))('are valid Python that carries awkward paths and model names exactly', async () => {
    const awkward = { trainFile: 'exports/da"ta\\ünï cödé\n.jsonl', validationFile: '/abs/val.jsonl', model: 'org/mödel"x\\', outputDirectory: "out put's" };
    const files = await writeGpuRecipes(path.join(folder, 'python'), awkward);
    for (const file of [files.trl, files.unsloth]) {
      const strings = pythonStrings(file);
      expect(strings).toContain(awkward.trainFile);
      expect(strings).toContain(awkward.validationFile);
      expect(strings).toContain(awkward.model);
      expect(strings).toContain(awkward.outputDirectory);
    }
    const defaults = await writeGpuRecipes(path.join(folder, 'defaults'), options);
    for (const file of [defaults.trl, defaults.unsloth]) expect(pythonStrings(file)).toContain(DEFAULT_RECIPE_MODEL);
  });
});
