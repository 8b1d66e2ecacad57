/**
 * The inference path (tokenizer, model, decoder, constrained decoding, student files) must run in
 * browsers: follow every relative import from its entry modules and refuse Node built-ins and
 * Node-only globals.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const ENTRIES = ['lm-student.ts', 'tokenizer.ts', 'inference.ts', 'decoder.ts', 'json-constraint.ts', 'serialise.ts'];
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Every source file reachable from `entries` through relative imports, with its import specifiers. */
function reachable(entries: readonly string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const pending = entries.map((entry) => resolve(here, entry));
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => (match[1] ?? match[2]) as string);
    seen.set(file, specifiers);
    for (const specifier of specifiers) if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  return seen;
}

describe('the inference path runs anywhere', () => {
  const files = reachable(ENTRIES);

  it('reaches the model, tokenizer, decoder and file container', () => {
    const names = [...files.keys()].map((file) => file.slice(file.lastIndexOf('/') + 1));
    for (const name of ['kernels.ts', 'tokenizer.ts', 'decoder.ts', 'json-constraint.ts', 'file-container.ts', 'quantise.ts']) expect(names).toContain(name);
  });

  it('imports no Node built-in and uses no Node-only global', () => {
    for (const [file, specifiers] of files) {
      for (const specifier of specifiers) expect(BUILTINS.has(specifier), `${file} imports ${specifier}`).toBe(false);
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(/\b(Buffer|process|require)\s*[.(]/.test(code), `${file} uses a Node-only global`).toBe(false);
    }
  });
});
