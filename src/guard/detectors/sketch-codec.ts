/**
 * The text-free form of an observation that gateway replicas share: the sketch seed of the request's
 * new text (exact hash, MinHash signature, word hashes, content-word mask) and the reasoning flag,
 * packed little-endian and base64-encoded. Every detector scores the decoded request as it would the
 * original (the sketch is rebuilt from the seed), except that MMD learns its reference only from the
 * replica's own traffic and a quoted template example shows blanks for another replica's words.
 *
 * Layout: u32 exactHash, u32 word count n, 64 × u32 signature, n × u32 word hashes, ceil(n/8) mask bytes.
 */
import { asksReasoning } from './elicitation-detector.js';
import { SIGNATURE_SIZE, sketchFromSeed, sketchOf, type SketchSeed } from './prompt-sketch.js';
import type { RemoteView } from './remote-view.js';
import type { RequestFeatures } from '../types.js';

/** Bytes before the word hashes. */
const HEADER_BYTES = 8 + SIGNATURE_SIZE * 4;

/** The shared form of a request's text: base64 of the packed seed, and the reasoning flag. */
export interface EncodedView {
  sketch: string;
  asksReasoning: boolean;
}

/** Encodes what detectors need of `features`' text (computing its sketch once, for the local detectors too). */
export function encodeRemoteView(features: RequestFeatures): EncodedView {
  const sketch = sketchOf(features);
  const count = sketch.wordHashes.length;
  const buffer = Buffer.alloc(HEADER_BYTES + count * 4 + Math.ceil(count / 8));
  buffer.writeUInt32LE(sketch.exactHash >>> 0, 0);
  buffer.writeUInt32LE(count, 4);
  sketch.signature.forEach((value, index) => buffer.writeUInt32LE(value >>> 0, 8 + index * 4));
  sketch.wordHashes.forEach((value, index) => buffer.writeUInt32LE(value >>> 0, HEADER_BYTES + index * 4));
  const maskStart = HEADER_BYTES + count * 4;
  sketch.contentMask.forEach((bit, index) => {
    if (bit === 1) buffer[maskStart + (index >> 3)] = (buffer[maskStart + (index >> 3)] as number) | (1 << (index & 7));
  });
  return { sketch: buffer.toString('base64'), asksReasoning: asksReasoning(features) };
}

/** Decodes a shared view; null when the bytes are not shaped like one (a corrupt or foreign entry). */
export function decodeRemoteView(encoded: EncodedView): RemoteView | null {
  const buffer = Buffer.from(encoded.sketch, 'base64');
  if (buffer.length < HEADER_BYTES) return null;
  const count = buffer.readUInt32LE(4);
  if (buffer.length !== HEADER_BYTES + count * 4 + Math.ceil(count / 8)) return null;
  const signature = Uint32Array.from({ length: SIGNATURE_SIZE }, (_, index) => buffer.readUInt32LE(8 + index * 4));
  const wordHashes = Uint32Array.from({ length: count }, (_, index) => buffer.readUInt32LE(HEADER_BYTES + index * 4));
  const maskStart = HEADER_BYTES + count * 4;
  const contentMask = Uint8Array.from({ length: count }, (_, index) => ((buffer[maskStart + (index >> 3)] as number) >> (index & 7)) & 1);
  const seed: SketchSeed = { exactHash: buffer.readUInt32LE(0), signature, wordHashes, contentMask };
  return { sketch: sketchFromSeed(seed), asksReasoning: encoded.asksReasoning };
}
