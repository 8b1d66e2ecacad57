/** The GGUF export read back by a small independent reader: header, llama metadata, tokenizer and tensors. */
import { describe, expect, it } from 'vitest';
import { languageModelConfig } from './config.js';
import { byteToUnicode, exportGguf } from './gguf.js';
import { fromHalf } from './quantise.js';
import { trainTokenizer } from './tokenizer.js';
import { initialWeights } from './weights.js';

interface GgufTensor { dims: number[]; type: number; offset: number }

/** Reads a GGUF v3 file's metadata and tensor table (enough of the format to check the export). */
function readGguf(bytes: Uint8Array): { metadata: Map<string, unknown>; tensors: Map<string, GgufTensor>; dataStart: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = (): number => { const value = view.getUint32(at, true); at += 4; return value; };
  const u64 = (): number => { const value = Number(view.getBigUint64(at, true)); at += 8; return value; };
  const string = (): string => { const length = u64(); const text = new TextDecoder().decode(bytes.subarray(at, at + length)); at += length; return text; };
  const value = (type: number): unknown => {
    if (type === 4) return u32();
    if (type === 5) { const v = view.getInt32(at, true); at += 4; return v; }
    if (type === 6) { const v = view.getFloat32(at, true); at += 4; return v; }
    if (type === 7) return bytes[at++] === 1;
    if (type === 8) return string();
    if (type === 9) { const element = u32(); return Array.from({ length: u64() }, () => value(element)); }
    throw new Error(`unexpected GGUF value type ${type}`);
  };
  expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('GGUF');
  at = 4;
  expect(u32()).toBe(3);
  const tensorCount = u64();
  const metadataCount = u64();
  const metadata = new Map<string, unknown>();
  for (let index = 0; index < metadataCount; index++) { const key = string(); metadata.set(key, value(u32())); }
  const tensors = new Map<string, GgufTensor>();
  for (let index = 0; index < tensorCount; index++) {
    const name = string();
    const dims = Array.from({ length: u32() }, () => u64());
    tensors.set(name, { dims, type: u32(), offset: u64() });
  }
  return { metadata, tensors, dataStart: Math.ceil(at / 32) * 32 };
}

describe('GGUF export', () => {
  const tokenizer = trainTokenizer(['hello world, hello there', 'the quick brown fox'], 280);
  const config = languageModelConfig({ vocabularySize: tokenizer.vocabularySize, width: 16, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 24, context: 32 });
  const weights = initialWeights(config, 1);

  it('writes llama metadata, a gpt2 tokenizer and every tensor in ggml layout', () => {
    const bytes = exportGguf(weights, tokenizer);
    const { metadata, tensors, dataStart } = readGguf(bytes);
    expect(metadata.get('general.architecture')).toBe('llama');
    expect(metadata.get('llama.block_count')).toBe(2);
    expect(metadata.get('llama.attention.head_count_kv')).toBe(2);
    expect(metadata.get('llama.rope.dimension_count')).toBe(4);
    expect(metadata.get('tokenizer.ggml.model')).toBe('gpt2');
    const tokens = metadata.get('tokenizer.ggml.tokens') as string[];
    expect(tokens.length).toBe(tokenizer.vocabularySize);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens[32]).toBe('Ġ');
    expect(tokens[258]).toBe('<|end|>');
    expect((metadata.get('tokenizer.ggml.merges') as string[]).length).toBe(tokenizer.vocabularySize - 259);
    expect(tensors.size).toBe(2 + 9 * 2);
    expect(tensors.has('output.weight')).toBe(false);
    const query = tensors.get('blk.1.attn_q.weight') as GgufTensor;
    expect(query.dims).toEqual([16, 16]);
    const key = tensors.get('blk.0.attn_k.weight') as GgufTensor;
    expect(key.dims).toEqual([16, 8]);
    // ggml rows are outputs: element (output o, input i) sits at o·inputs + i; ours at i·outputs + o.
    const data = new Float32Array(bytes.slice(dataStart + key.offset, dataStart + key.offset + 16 * 8 * 4).buffer);
    expect(data[3 * 16 + 5]).toBe(weights.blocks[0]?.key[5 * 8 + 3]);
  });

  it('stores matrices as float16 on request, norms as float32', () => {
    const bytes = exportGguf(weights, tokenizer, { half: true });
    const { tensors, dataStart } = readGguf(bytes);
    expect(tensors.get('token_embd.weight')?.type).toBe(1);
    expect(tensors.get('output_norm.weight')?.type).toBe(0);
    const embedding = tensors.get('token_embd.weight') as GgufTensor;
    const half = new Uint16Array(bytes.slice(dataStart + embedding.offset, dataStart + embedding.offset + 2).buffer)[0] as number;
    expect(fromHalf(half)).toBeCloseTo(weights.embedding[0] as number, 3);
  });

  it('refuses a student whose tokenizer uses the words pre-tokeniser (llama.cpp would cut its text otherwise)', () => {
    const words = trainTokenizer(['hello world, hello there', 'the quick brown fox'], 280, 'words');
    expect(() => exportGguf(initialWeights(languageModelConfig({ ...config, vocabularySize: words.vocabularySize }), 1), words)).toThrow(/GGUF export needs the gpt2 pre-tokeniser/);
  });

  it('uses GPT-2\'s byte-to-unicode table', () => {
    const table = byteToUnicode();
    expect(table[0x41]).toBe('A');
    expect(table[0x20]).toBe('Ġ');
    expect(table[0x0a]).toBe('Ċ');
    expect(new Set(table).size).toBe(256);
  });
});
