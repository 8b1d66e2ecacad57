/**
 * A generated, runnable GPU recipe: LoRA fine-tuning of a named open model on the Hugging Face
 * `messages` export, with TRL's SFTTrainer or with Unsloth, then merge and a GGUF hint for Ollama.
 * The way out for tasks bigger than a CPU student.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../util/errors.js';

/** What the recipe trains, on what, and how. */
export interface GpuRecipeOptions {
  /** The training export (`hf-messages-train.jsonl`); a relative path is taken from the script's folder. */
  trainFile: string;
  /** The validation export, when there is one; same rule for relative paths. */
  validationFile?: string;
  /** A Hugging Face model id or local folder (default Qwen/Qwen2.5-0.5B-Instruct). */
  model?: string;
  /** Where checkpoints, the adapter and the merged model go (default `lora-output`, from the script's folder). */
  outputDirectory?: string;
  epochs?: number;
  learningRate?: number;
  /** Tokens per example after the chat template; longer ones are truncated. */
  maxLength?: number;
  batchSize?: number;
  gradientAccumulation?: number;
  loraRank?: number;
  loraAlpha?: number;
  seed?: number;
}

/** The files `writeGpuRecipes` writes. */
export interface GpuRecipeFiles {
  trl: string;
  unsloth: string;
  readme: string;
}

/** The default open model: small enough for any CUDA GPU, with a chat template. */
export const DEFAULT_RECIPE_MODEL = 'Qwen/Qwen2.5-0.5B-Instruct';

type Settings = Required<Omit<GpuRecipeOptions, 'validationFile'>> & { validationFile: string | null };

/** A Python string literal: JSON's escapes (\" \\ \n \uXXXX) are all valid Python escapes. */
const python = (text: string): string => JSON.stringify(text);

function settingsOf(options: GpuRecipeOptions): Settings {
  const settings: Settings = {
    trainFile: options.trainFile,
    validationFile: options.validationFile ?? null,
    model: options.model ?? DEFAULT_RECIPE_MODEL,
    outputDirectory: options.outputDirectory ?? 'lora-output',
    epochs: options.epochs ?? 3,
    learningRate: options.learningRate ?? 2e-4,
    maxLength: options.maxLength ?? 2048,
    batchSize: options.batchSize ?? 8,
    gradientAccumulation: options.gradientAccumulation ?? 2,
    loraRank: options.loraRank ?? 16,
    loraAlpha: options.loraAlpha ?? 32,
    seed: options.seed ?? 42,
  };
  for (const name of ['trainFile', 'model', 'outputDirectory'] as const) if (settings[name].trim() === '') throw new UsageError(`GPU recipe: ${name} must not be empty`);
  for (const name of ['epochs', 'learningRate'] as const) if (!(Number.isFinite(settings[name]) && settings[name] > 0)) throw new UsageError(`GPU recipe: ${name} must be a positive number, got ${settings[name]}`);
  for (const name of ['maxLength', 'batchSize', 'gradientAccumulation', 'loraRank', 'loraAlpha', 'seed'] as const) {
    const minimum = name === 'seed' ? 0 : 1;
    if (!Number.isInteger(settings[name]) || settings[name] < minimum) throw new UsageError(`GPU recipe: ${name} must be an integer of at least ${minimum}, got ${settings[name]}`);
  }
  return settings;
}

/** The settings block and data loading both scripts share. */
function preamble(settings: Settings): string {
  const validation = settings.validationFile === null ? 'None' : `HERE / ${python(settings.validationFile)}`;
  return `HERE = Path(__file__).resolve().parent
MODEL = ${python(settings.model)}
# Written by Distillery's export (Hugging Face "messages" format); an absolute path stays as it is.
TRAIN_FILE = HERE / ${python(settings.trainFile)}
VALIDATION_FILE = ${validation}
OUTPUT_DIR = HERE / ${python(settings.outputDirectory)}
MAX_LENGTH = ${settings.maxLength}
EPOCHS = ${settings.epochs}
LEARNING_RATE = ${settings.learningRate}
BATCH_SIZE = ${settings.batchSize}
GRADIENT_ACCUMULATION = ${settings.gradientAccumulation}
LORA_RANK = ${settings.loraRank}
LORA_ALPHA = ${settings.loraAlpha}
SEED = ${settings.seed}


def load_chat_dataset(tokenizer):
    """The export as one "text" column rendered with the model's own chat template, so training sees
    exactly the prompt format the model will be served with."""
    files = {"train": str(TRAIN_FILE)}
    if VALIDATION_FILE is not None and VALIDATION_FILE.exists():
        files["validation"] = str(VALIDATION_FILE)
    dataset = load_dataset("json", data_files=files)

    def render(example):
        return {"text": tokenizer.apply_chat_template(example["messages"], tokenize=False)}

    return dataset.map(render, remove_columns=dataset["train"].column_names)


def sft_config(has_validation, bf16, **extra):
    return SFTConfig(
        output_dir=str(OUTPUT_DIR / "checkpoints"),
        dataset_text_field="text",
        max_length=MAX_LENGTH,
        num_train_epochs=EPOCHS,
        per_device_train_batch_size=BATCH_SIZE,
        gradient_accumulation_steps=GRADIENT_ACCUMULATION,
        learning_rate=LEARNING_RATE,
        lr_scheduler_type="cosine",
        warmup_ratio=0.03,
        logging_steps=10,
        eval_strategy="epoch" if has_validation else "no",
        save_strategy="epoch",
        save_total_limit=1,
        bf16=bf16,
        fp16=torch.cuda.is_available() and not bf16,
        seed=SEED,
        report_to="none",
        **extra,
    )


GGUF_HINT = """To serve it with Ollama, convert the merged model to GGUF with llama.cpp (ggml-org/llama.cpp):
    pip install -r llama.cpp/requirements.txt
    python llama.cpp/convert_hf_to_gguf.py {merged} --outfile student.gguf --outtype q8_0
    printf 'FROM ./student.gguf\\\\n' > Modelfile && ollama create my-student -f Modelfile
    ollama run my-student"""
`;
}

function header(title: string, install: string, script: string, settings: Settings): string {
  return `#!/usr/bin/env python3
"""${title}

Generated by Distillery: LoRA fine-tuning of ${settings.model.replace(/["\\]/g, '')} on the teacher's answers.
Needs a CUDA GPU and:
    pip install ${install}
Run:
    python ${script}
"""
`;
}

/** The TRL recipe: SFTTrainer with a PEFT LoRA adapter, then the adapter merged into the base model. */
export function trlRecipe(options: GpuRecipeOptions): string {
  const settings = settingsOf(options);
  return `${header('Fine-tune with TRL (SFTTrainer + PEFT LoRA).', '"torch" "transformers>=4.46" "trl>=0.20" "peft>=0.13" "datasets" "accelerate"', 'train_trl.py', settings)}from pathlib import Path

import torch
from datasets import load_dataset
from peft import AutoPeftModelForCausalLM, LoraConfig
from transformers import AutoTokenizer
from trl import SFTConfig, SFTTrainer

${preamble(settings)}

def main():
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dataset = load_chat_dataset(tokenizer)
    has_validation = "validation" in dataset
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    peft_config = LoraConfig(r=LORA_RANK, lora_alpha=LORA_ALPHA, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
    trainer = SFTTrainer(
        model=MODEL,
        args=sft_config(has_validation, bf16, gradient_checkpointing=True),
        train_dataset=dataset["train"],
        eval_dataset=dataset["validation"] if has_validation else None,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    adapter_dir = OUTPUT_DIR / "adapter"
    trainer.save_model(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    # Merged weights load as one ordinary model: no PEFT at serving time, and GGUF conversion works.
    dtype = torch.bfloat16 if bf16 else torch.float16
    merged = AutoPeftModelForCausalLM.from_pretrained(str(adapter_dir), torch_dtype=dtype).merge_and_unload()
    merged_dir = OUTPUT_DIR / "merged"
    merged.save_pretrained(str(merged_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(merged_dir))
    print(f"adapter: {adapter_dir}")
    print(f"merged model: {merged_dir}")
    print(GGUF_HINT.format(merged=merged_dir))


if __name__ == "__main__":
    main()
`;
}

/** The Unsloth recipe: 4-bit base, Unsloth's LoRA and gradient checkpointing, merged 16-bit save, optional GGUF. */
export function unslothRecipe(options: GpuRecipeOptions): string {
  const settings = settingsOf(options);
  return `${header('Fine-tune with Unsloth (4-bit base, LoRA; about twice as fast, less memory).', '"unsloth" "trl>=0.20" "datasets"', 'train_unsloth.py', settings)}# Unsloth patches transformers and TRL, so it is imported before them.
from unsloth import FastLanguageModel

import os
from pathlib import Path

import torch
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer

${preamble(settings)}
# Set DISTILLERY_GGUF=q4_k_m (or q8_0, f16) to also write a GGUF file for Ollama or llama.cpp.
GGUF_QUANTIZATION = os.environ.get("DISTILLERY_GGUF", "")


def main():
    model, tokenizer = FastLanguageModel.from_pretrained(model_name=MODEL, max_seq_length=MAX_LENGTH, load_in_4bit=True, dtype=None)
    model = FastLanguageModel.get_peft_model(
        model,
        r=LORA_RANK,
        lora_alpha=LORA_ALPHA,
        lora_dropout=0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        bias="none",
        use_gradient_checkpointing="unsloth",
        random_state=SEED,
    )
    dataset = load_chat_dataset(tokenizer)
    has_validation = "validation" in dataset
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    trainer = SFTTrainer(
        model=model,
        args=sft_config(has_validation, bf16, optim="adamw_8bit"),
        train_dataset=dataset["train"],
        eval_dataset=dataset["validation"] if has_validation else None,
        processing_class=tokenizer,
    )
    trainer.train()
    adapter_dir = OUTPUT_DIR / "adapter"
    model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    merged_dir = OUTPUT_DIR / "merged"
    model.save_pretrained_merged(str(merged_dir), tokenizer, save_method="merged_16bit")
    print(f"adapter: {adapter_dir}")
    print(f"merged model: {merged_dir}")
    if GGUF_QUANTIZATION:
        gguf_dir = OUTPUT_DIR / "gguf"
        model.save_pretrained_gguf(str(gguf_dir), tokenizer, quantization_method=GGUF_QUANTIZATION)
        print(f"GGUF: {gguf_dir}")
    else:
        print(GGUF_HINT.format(merged=merged_dir))


if __name__ == "__main__":
    main()
`;
}

/** The README section that goes beside the recipes. */
export function gpuRecipeReadme(options: GpuRecipeOptions): string {
  const settings = settingsOf(options);
  const validation = settings.validationFile === null ? '' : ` (validated on \`${settings.validationFile}\`)`;
  return `## Fine-tune on a GPU

For tasks bigger than a CPU student: LoRA fine-tuning of \`${settings.model}\` on \`${settings.trainFile}\`${validation}, rendered with the model's own chat template.

| script | what | install |
| --- | --- | --- |
| \`train_trl.py\` | TRL \`SFTTrainer\` + PEFT LoRA (r=${settings.loraRank}, alpha=${settings.loraAlpha}), bf16 | \`pip install torch "transformers>=4.46" "trl>=0.20" "peft>=0.13" datasets accelerate\` |
| \`train_unsloth.py\` | Unsloth, 4-bit base, same LoRA; less memory | \`pip install unsloth "trl>=0.20" datasets\` |

\`\`\`sh
python train_trl.py          # or: DISTILLERY_GGUF=q4_k_m python train_unsloth.py
\`\`\`

Settings (top of each script): ${settings.epochs} epochs, learning rate ${settings.learningRate}, cosine schedule, batch ${settings.batchSize} × ${settings.gradientAccumulation} accumulation, at most ${settings.maxLength} tokens per example, seed ${settings.seed}.
Output in \`${settings.outputDirectory}/\`: \`adapter/\` (LoRA weights), \`merged/\` (a full model for transformers, vLLM or GGUF conversion).
To serve it with Ollama: convert \`merged/\` with llama.cpp's \`convert_hf_to_gguf.py\` (or let the Unsloth script write GGUF), then \`ollama create\` from a Modelfile that says \`FROM ./student.gguf\`.
`;
}

/** Writes train_trl.py, train_unsloth.py and GPU-README.md into `directory` (each atomically); returns their paths. */
export async function writeGpuRecipes(directory: string, options: GpuRecipeOptions): Promise<GpuRecipeFiles> {
  const files: GpuRecipeFiles = { trl: path.join(directory, 'train_trl.py'), unsloth: path.join(directory, 'train_unsloth.py'), readme: path.join(directory, 'GPU-README.md') };
  const contents: Array<[string, string]> = [
    [files.trl, trlRecipe(options)],
    [files.unsloth, unslothRecipe(options)],
    [files.readme, gpuRecipeReadme(options)],
  ];
  await mkdir(directory, { recursive: true });
  for (const [file, text] of contents) {
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text, { encoding: 'utf8', mode: 0o755 });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
  return files;
}
