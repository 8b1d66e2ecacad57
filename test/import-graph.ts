/**
 * A static walk of a TypeScript module's runtime import graph (relative imports followed, `import type`
 * skipped), for tests that pin which modules and globals a piece of the code base may depend on.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

/** Every source file reached from the entry and every bare (package or built-in) specifier, with its importers. */
export interface ImportGraph {
  files: string[];
  bareImports: Map<string, string[]>;
}

// Static `import … from`, `export … from` and side-effect imports that are not type-only, plus dynamic import() and require().
const STATIC = /^\s*(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Source text without comments, so that documentation mentioning `node:zlib` does not count as a use. */
export function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Walks the graph from `entry` (a .ts path); `.js` specifiers resolve to the sibling `.ts` file, as tsc does. */
export function importGraph(entry: string, root = process.cwd()): ImportGraph {
  const seen = new Set<string>();
  const bareImports = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = withoutComments(readFileSync(file, 'utf8'));
    const specifiers = [...source.matchAll(STATIC)].map((match) => match[1] ?? match[2]!).concat([...source.matchAll(DYNAMIC)].map((match) => match[1]!));
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bareImports.set(specifier, [...(bareImports.get(specifier) ?? []), relative(root, file)]);
    }
  };
  visit(resolve(root, entry));
  return { files: [...seen].map((file) => relative(root, file)), bareImports };
}

/** True for `node:x` and for the bare names of Node's built-in modules (`fs`, `zlib/…`, `os`). */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!) || builtinModules.includes(specifier);
}
