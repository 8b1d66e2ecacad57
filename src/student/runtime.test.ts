import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importGraph, isNodeBuiltin, withoutComments } from '../../test/import-graph.js';
import { crc32 } from '../util/crc32.js';
import { createRandom } from '../util/random.js';
import { createBagMlpStudent } from './bag-mlp/bag-mlp-student.js';
import { createNgramStudent } from './ngram/ngram-student.js';
import { studentFromBytes } from './runtime.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from './synthetic-task.js';

// Packages the runtime may bundle: pure JavaScript, no Node built-ins (the browser e2e test bundles them).
const ALLOWED_PACKAGES = ['zod'];
// Not an import of the runtime: text of the worker bootstrap (util/worker-source.ts) that Hogwild starts (threads > 1, from .ts sources only).
const WORKER_BOOTSTRAP = { specifier: 'tsx/esm/api', file: 'src/util/worker-source.ts' };
// Node-only globals; `process` and `Buffer` exist in Node but not in a browser.
const NODE_GLOBALS = /\b(?:Buffer|process|__dirname|__filename|require|setImmediate)\s*[.(]/;

describe('student runtime has no Node dependency', () => {
  const graph = importGraph('src/student/runtime.ts');

  it('reaches the ngram and bag-mlp students through the registry', () => {
    expect(graph.files).toEqual(expect.arrayContaining(['src/student/ngram/ngram-student.ts', 'src/student/bag-mlp/bag-mlp-student.ts', 'src/student/file-container.ts']));
  });

  it('imports no Node built-in module, by node: prefix or bare name, anywhere in its graph', () => {
    const builtins = [...graph.bareImports].filter(([specifier]) => isNodeBuiltin(specifier)).map(([specifier, importers]) => `${specifier} (from ${importers.join(', ')})`);
    expect(builtins).toEqual([]);
    const packages = [...graph.bareImports].filter(([specifier, importers]) => !ALLOWED_PACKAGES.includes(specifier)
      && !(specifier === WORKER_BOOTSTRAP.specifier && importers.every((file) => file === WORKER_BOOTSTRAP.file)));
    expect(packages).toEqual([]);
  });

  it('reaches Node only lazily, in Hogwild training (student.threads > 1) and reading shipped vectors (pretrain: shipped), through process.getBuiltinModule', () => {
    const lazy = graph.files.filter((file) => /getBuiltinModule|worker_threads/.test(withoutComments(readFileSync(file, 'utf8')).replace(/^\s*import type .*$/gm, '')));
    expect(lazy.sort()).toEqual(['src/student/ngram/hogwild.ts', 'src/student/pretrain/shipped-vectors.ts']);
  });

  it('uses no Node-only global (Buffer, process, require…) in any runtime file', () => {
    const offenders = graph.files.filter((file) => NODE_GLOBALS.test(withoutComments(readFileSync(file, 'utf8'))));
    expect(offenders).toEqual([]);
  });

  it('the scanner itself sees node: and bare built-in imports (it would catch a regression)', () => {
    const scanned = importGraph('src/student/file-format.ts');
    expect([...scanned.bareImports.keys()].filter(isNodeBuiltin)).toEqual(expect.arrayContaining(['node:fs', 'node:fs/promises', 'node:path']));
    expect(isNodeBuiltin('zlib')).toBe(true);
    expect(isNodeBuiltin('fs/promises')).toBe(true);
    expect(isNodeBuiltin('zod')).toBe(false);
  });
});

describe('pure CRC-32', () => {
  it('is zlib\'s CRC-32: the check value, the empty input, and random inputs of many lengths', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const random = createRandom(7);
    for (const length of [1, 2, 3, 7, 64, 255, 256, 1000, 65_537]) {
      const bytes = Uint8Array.from({ length }, () => random.nextInt(256));
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      const cut = length >> 1;
      expect(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut)))).toBe(zlibCrc32(bytes)); // continues like zlib's
    }
  });

  it('student files keep zlib\'s checksum in their preamble, so old and new files are byte-compatible', () => {
    const student = createNgramStudent([...SYNTHETIC_LABELS], testSettings({ epochs: 2 }));
    student.fit(syntheticExamples(60, 1), syntheticExamples(20, 2));
    const bytes = student.toBytes();
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(16, true)).toBe(zlibCrc32(bytes.subarray(20)));
  });
});

describe('studentFromBytes (runtime entry)', () => {
  it('rebuilds ngram and bag-mlp students from bytes, deterministically (files store quantised weights)', () => {
    const texts = syntheticExamples(10, 9).map((example) => example.text);
    for (const create of [createNgramStudent, createBagMlpStudent]) {
      const student = create([...SYNTHETIC_LABELS], testSettings({ epochs: 3 }));
      student.fit(syntheticExamples(80, 3), syntheticExamples(20, 4));
      const bytes = student.toBytes();
      const [first, second] = [studentFromBytes(bytes), studentFromBytes(bytes)];
      for (const text of texts) {
        const prediction = first.predict(text);
        expect(second.predict(text)).toEqual(prediction);
        expect(prediction.label).toBe(SYNTHETIC_LABELS[prediction.index]);
        expect(prediction.probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 5);
      }
    }
  });
});
