/**
 * Language-model student ↔ student file (the shared container, kind `lm`): the header holds the
 * config, the tokenizer's merges, the weight storage and the training summary; tensors are the
 * weights in float32, float16 (u16 bit patterns) or int8 with a float32 scale per row (`<name>.scales`).
 * Imports no Node built-ins, so browsers load files too.
 */
import { decodeStudentFile, encodeStudentFile, requireTensor, StudentFileError, type Tensor } from '../file-container.js';
import { languageModelConfig, type LanguageModelConfig } from './config.js';
import { decodeHalf, decodeInt8, encodeHalf, encodeInt8 } from './quantise.js';
import { teacherTokenizerFromDescription, type TeacherEncoding } from './teacher-tokenizer.js';
import { bpeTokenizer, type Tokenizer, type TokenizerDescription } from './tokenizer.js';
import type { LanguageModelTrainingSummary, StudentDecoding, WeightStorage } from './types.js';
import { blockShapes, BLOCK_TENSORS, namedTensors, zeroWeights, type LanguageModelWeights } from './weights.js';

/** The kind name in the file. */
export const LANGUAGE_MODEL_KIND = 'lm';

/** Everything a language-model student file holds. */
export interface LanguageModelFile {
  weights: LanguageModelWeights;
  tokenizer: Tokenizer;
  training: LanguageModelTrainingSummary | undefined;
  /** Decoding defaults (absent in files written before they existed: nothing copied). */
  decoding?: StudentDecoding;
}

/** Columns of the tensor named `name` (one row per input unit or vocabulary entry). */
function columnsOf(name: string, config: LanguageModelConfig): number {
  if (name === 'embedding' || name === 'finalNorm') return config.width;
  const tensor = name.split('.')[2] as (typeof BLOCK_TENSORS)[number];
  return blockShapes(config)[tensor][1];
}

/** Encodes a student's weights, tokenizer and training summary. */
export function encodeLanguageModel(file: LanguageModelFile, storage: WeightStorage = 'f32'): Uint8Array {
  const { config } = file.weights;
  const tensors: Array<[string, Tensor]> = [];
  for (const [name, tensor] of namedTensors(file.weights)) {
    if (storage === 'f32' || name.endsWith('Norm')) tensors.push([name, tensor]);
    else if (storage === 'f16') tensors.push([name, encodeHalf(tensor)]);
    else {
      const { values, scales } = encodeInt8(tensor, columnsOf(name, config));
      tensors.push([name, values], [`${name}.scales`, scales]);
    }
  }
  const header = { config, tokenizer: file.tokenizer.describe(), storage, training: file.training ?? null, ...(file.decoding === undefined ? {} : { decoding: file.decoding }) };
  return encodeStudentFile(LANGUAGE_MODEL_KIND, header, tensors);
}

/** Options for reading a file. */
export interface DecodeLanguageModelOptions {
  /** gpt-tokenizer encodings by name, for students that use the teacher's tokenizer. */
  encodings?: Readonly<Record<string, TeacherEncoding>>;
}

/** Decodes a language-model student file; StudentFileError when it is not one or is damaged. */
export function decodeLanguageModel(bytes: Uint8Array, options: DecodeLanguageModelOptions = {}): LanguageModelFile {
  const contents = decodeStudentFile(bytes);
  if (contents.kind !== LANGUAGE_MODEL_KIND) throw new StudentFileError(`student file holds a "${contents.kind}" student, not a language model ("${LANGUAGE_MODEL_KIND}")`);
  const header = contents.header as { config: LanguageModelConfig; tokenizer: TokenizerDescription; storage: WeightStorage; training: LanguageModelTrainingSummary | null; decoding?: StudentDecoding };
  const config = languageModelConfig(header.config);
  const tokenizer = header.tokenizer.kind === 'teacher' ? teacherTokenizerFromDescription(header.tokenizer, options.encodings ?? {}) : bpeTokenizer(header.tokenizer);
  if (tokenizer.vocabularySize !== config.vocabularySize) throw new StudentFileError(`student file tokenizer has ${tokenizer.vocabularySize} tokens but the model ${config.vocabularySize}`);
  const weights = zeroWeights(config);
  for (const [name, tensor] of namedTensors(weights)) {
    let values: Float32Array;
    if (header.storage === 'f32' || name.endsWith('Norm')) values = requireTensor(contents, name, 'f32');
    else if (header.storage === 'f16') values = decodeHalf(requireTensor(contents, name, 'u16'));
    else values = decodeInt8(requireTensor(contents, name, 'i8'), requireTensor(contents, `${name}.scales`, 'f32'), columnsOf(name, config));
    if (values.length !== tensor.length) throw new StudentFileError(`student file tensor "${name}" has ${values.length} values, expected ${tensor.length}`);
    tensor.set(values);
  }
  return { weights, tokenizer, training: header.training ?? undefined, decoding: { copyStrings: header.decoding?.copyStrings === true } };
}
