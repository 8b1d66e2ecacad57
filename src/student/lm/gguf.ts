/**
 * Export to GGUF (v3, llama architecture) so llama.cpp and node-llama-cpp run the student:
 * the tied embedding as token_embd (no output.weight, so llama.cpp ties it too), matrices
 * transposed to ggml's [input, output] layout (rows of inputs), and the BPE tokenizer as a `gpt2`
 * tokenizer with GPT-2's byte-to-unicode token text, merges and pre-tokeniser. Rotary pairs are
 * interleaved, which is llama.cpp's `llama` rope, so no permutation is needed.
 */
import { headWidth } from './config.js';
import { LanguageModelError } from './errors.js';
import { encodeHalf } from './quantise.js';
import { SPECIAL_TOKENS, type Tokenizer } from './tokenizer.js';
import { blockShapes, type LanguageModelWeights } from './weights.js';

const ALIGNMENT = 32;
const enum ValueType { Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }
const enum GgmlType { F32 = 0, F16 = 1 }

type Metadata = Array<[string, ValueType, unknown, ValueType?]>;

/** GPT-2's byte → printable character table (the token text llama.cpp's gpt2 tokenizer expects). */
export function byteToUnicode(): string[] {
  const printable = (byte: number): boolean => (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, byte) => String.fromCodePoint(printable(byte) ? byte : next++));
}

/** A growable little-endian byte writer. */
class Writer {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  length = 0;
  private reserve(size: number): void {
    if (this.length + size <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + size));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u32(value: number): void { this.reserve(4); this.view.setUint32(this.length, value, true); this.length += 4; }
  i32(value: number): void { this.reserve(4); this.view.setInt32(this.length, value, true); this.length += 4; }
  f32(value: number): void { this.reserve(4); this.view.setFloat32(this.length, value, true); this.length += 4; }
  u64(value: number): void { this.reserve(8); this.view.setBigUint64(this.length, BigInt(value), true); this.length += 8; }
  raw(data: Uint8Array): void { this.reserve(data.length); this.bytes.set(data, this.length); this.length += data.length; }
  string(text: string): void { const data = new TextEncoder().encode(text); this.u64(data.length); this.raw(data); }
  pad(): void { while (this.length % ALIGNMENT !== 0) this.raw(Uint8Array.of(0)); }
  result(): Uint8Array { return this.bytes.slice(0, this.length); }
}

function writeValue(writer: Writer, type: ValueType, value: unknown, elementType?: ValueType): void {
  if (type === ValueType.Uint32) writer.u32(value as number);
  else if (type === ValueType.Int32) writer.i32(value as number);
  else if (type === ValueType.Float32) writer.f32(value as number);
  else if (type === ValueType.Bool) writer.raw(Uint8Array.of(value === true ? 1 : 0));
  else if (type === ValueType.String) writer.string(value as string);
  else {
    const items = value as unknown[];
    writer.u32(elementType as ValueType);
    writer.u64(items.length);
    for (const item of items) writeValue(writer, elementType as ValueType, item);
  }
}

/** The columns × rows transpose of a rows × columns matrix (input-major → ggml's output rows). */
function transposed(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let row = 0; row < rows; row++) for (let column = 0; column < columns; column++) out[column * rows + row] = matrix[row * columns + column] as number;
  return out;
}

/** The tokenizer's token text and merges in GPT-2 byte-to-unicode form. */
function tokenizerMetadata(tokenizer: Tokenizer): Metadata {
  const table = byteToUnicode();
  const text = (token: number): string => Array.from(tokenizer.tokenBytes(token), (byte) => table[byte] as string).join('');
  const tokens = Array.from({ length: tokenizer.vocabularySize }, (_, token) => (token >= 256 && token < 256 + SPECIAL_TOKENS.length ? SPECIAL_TOKENS[token - 256] as string : text(token)));
  const types = tokens.map((_, token) => (token >= 256 && token < 256 + SPECIAL_TOKENS.length ? 3 : 1));
  const description = tokenizer.describe();
  if (description.kind !== 'bpe') throw new LanguageModelError('GGUF export needs the student\'s own BPE tokenizer; a teacher-tokenizer student cannot be exported yet');
  if (description.pretokenizer === 'words') throw new LanguageModelError('GGUF export needs the gpt2 pre-tokeniser; this student was trained with student.lm.pretokenizer: words, which llama.cpp has no match for');
  const merges = description.merges.map(([left, right]) => `${text(left)} ${text(right)}`);
  return [
    ['tokenizer.ggml.model', ValueType.String, 'gpt2'],
    ['tokenizer.ggml.pre', ValueType.String, 'gpt-2'],
    ['tokenizer.ggml.tokens', ValueType.Array, tokens, ValueType.String],
    ['tokenizer.ggml.token_type', ValueType.Array, types, ValueType.Int32],
    ['tokenizer.ggml.merges', ValueType.Array, merges, ValueType.String],
    ['tokenizer.ggml.bos_token_id', ValueType.Uint32, tokenizer.beginToken],
    ['tokenizer.ggml.eos_token_id', ValueType.Uint32, tokenizer.endToken],
    ['tokenizer.ggml.padding_token_id', ValueType.Uint32, tokenizer.endToken],
    ['tokenizer.ggml.add_bos_token', ValueType.Bool, false],
    ['tokenizer.ggml.add_eos_token', ValueType.Bool, false],
  ];
}

/** The student as a GGUF file; `half` stores matrices as float16 (norms stay float32). */
export function exportGguf(weights: LanguageModelWeights, tokenizer: Tokenizer, options: { half?: boolean; name?: string } = {}): Uint8Array {
  const { config } = weights;
  const half = options.half === true;
  const metadata: Metadata = [
    ['general.architecture', ValueType.String, 'llama'],
    ['general.name', ValueType.String, options.name ?? 'distillery-student'],
    ['general.alignment', ValueType.Uint32, ALIGNMENT],
    ['general.file_type', ValueType.Uint32, half ? 1 : 0],
    ['llama.vocab_size', ValueType.Uint32, config.vocabularySize],
    ['llama.context_length', ValueType.Uint32, config.context],
    ['llama.embedding_length', ValueType.Uint32, config.width],
    ['llama.block_count', ValueType.Uint32, config.layers],
    ['llama.feed_forward_length', ValueType.Uint32, config.hiddenWidth],
    ['llama.attention.head_count', ValueType.Uint32, config.heads],
    ['llama.attention.head_count_kv', ValueType.Uint32, config.keyValueHeads],
    ['llama.rope.dimension_count', ValueType.Uint32, headWidth(config)],
    ['llama.rope.freq_base', ValueType.Float32, config.ropeTheta],
    ['llama.attention.layer_norm_rms_epsilon', ValueType.Float32, config.normEpsilon],
    ...tokenizerMetadata(tokenizer),
  ];
  const shapes = blockShapes(config);
  // [name, ggml dims (ne0 first), data already in ggml row order, may be float16]
  const tensors: Array<[string, number[], Float32Array, boolean]> = [['token_embd.weight', [config.width, config.vocabularySize], weights.embedding, true]];
  const ggmlNames = { attentionNorm: 'attn_norm', query: 'attn_q', key: 'attn_k', value: 'attn_v', output: 'attn_output', mlpNorm: 'ffn_norm', gate: 'ffn_gate', up: 'ffn_up', down: 'ffn_down' } as const;
  weights.blocks.forEach((block, index) => {
    for (const [name, ggml] of Object.entries(ggmlNames) as Array<[keyof typeof ggmlNames, string]>) {
      const [rows, columns] = shapes[name];
      if (rows === 1) tensors.push([`blk.${index}.${ggml}.weight`, [columns], block[name], false]);
      else tensors.push([`blk.${index}.${ggml}.weight`, [rows, columns], transposed(block[name], rows, columns), true]);
    }
  });
  tensors.push(['output_norm.weight', [config.width], weights.finalNorm, false]);
  const stored = tensors.map(([name, dims, data, matrix]) => ({ name, dims, type: half && matrix ? GgmlType.F16 : GgmlType.F32, bytes: half && matrix ? new Uint8Array(encodeHalf(data).buffer) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }));
  const writer = new Writer();
  writer.raw(new TextEncoder().encode('GGUF'));
  writer.u32(3);
  writer.u64(stored.length);
  writer.u64(metadata.length);
  for (const [key, type, value, elementType] of metadata) { writer.string(key); writer.u32(type); writeValue(writer, type, value, elementType); }
  let offset = 0;
  for (const tensor of stored) {
    writer.string(tensor.name);
    writer.u32(tensor.dims.length);
    for (const dim of tensor.dims) writer.u64(dim);
    writer.u32(tensor.type);
    writer.u64(offset);
    offset += Math.ceil(tensor.bytes.length / ALIGNMENT) * ALIGNMENT;
  }
  writer.pad();
  for (const tensor of stored) { writer.raw(tensor.bytes); writer.pad(); }
  return writer.result();
}
