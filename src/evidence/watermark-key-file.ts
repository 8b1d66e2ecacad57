/**
 * Reading a key file from disk (Node only; the rest of src/evidence stays free of Node built-ins so
 * the decoder can use it anywhere): a missing or unreadable file is a WatermarkKeyError like a bad one.
 */
import { readFile } from 'node:fs/promises';
import { fileFailureReason } from '../util/node-errors.js';
import { parseWatermarkKey, WatermarkKeyError, type WatermarkKey, type WatermarkScheme } from './watermark-key.js';

/** Loads and validates the key file at `keyPath` (optionally requiring one scheme). */
export async function readWatermarkKeyFile(keyPath: string, expectedScheme?: WatermarkScheme): Promise<WatermarkKey> {
  let text: string;
  try {
    text = await readFile(keyPath, 'utf8');
  } catch (error) {
    const reason = fileFailureReason(error) ?? (error as Error).message;
    throw new WatermarkKeyError('missing', `cannot read the watermark key ${keyPath}: ${reason} (create one with \`distillery watermark keygen > key.json\`)`);
  }
  return parseWatermarkKey(text, keyPath, expectedScheme);
}
