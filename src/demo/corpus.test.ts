import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCodeCorpus, defaultCorpusRoots, snippetOf, writeCorpusJsonl, type CorpusItem } from './corpus.js';
import { EXTENSION_LABELS, labelForPath } from './extension-labels.js';
import { LANGUAGE_LABELS } from './language-labels.js';

describe('labelForPath', () => {
  it.each([
    ['lib/index.js', 'js'],
    ['esm/index.mjs', 'js'],
    ['x.cjs', 'js'],
    ['types/index.d.ts', 'ts'],
    ['a.mts', 'ts'],
    ['a.cts', 'ts'],
    ['package.json', 'json'],
    ['README.md', 'md'],
    ['gyp/pylib/gyp/input.py', 'py'],
    ['include/node/v8.h', 'c'],
    ['src/addon.cc', 'cpp'],
    ['src/x.HPP', 'cpp'],
    ['bin/run.sh', 'sh'],
    ['.travis.yml', 'yaml'],
    ['ci.yaml', 'yaml'],
    ['bin/npm.cmd', 'bat'],
    ['bin/npm.ps1', 'ps1'],
    ['Makefile', 'makefile'],
    ['build/deps.mk', 'makefile'],
    ['Dockerfile', 'dockerfile'],
    ['CMakeLists.txt', 'cmake'],
    ['lib/Find-VisualStudio.cs', 'cs'],
  ])('%s → %s', (file, label) => {
    expect(labelForPath(file)).toBe(label);
  });

  it.each(['dist/app.min.js', 'style.min.css', 'LICENSE', 'notes.txt', 'index.js.map', 'script.pl', 'code.m', '.npmrc', 'constructor', 'x.constructor', 'x.toString'])('%s → null', (file) => {
    expect(labelForPath(file)).toBeNull();
  });

  it('maps only to labels the detector has', () => {
    for (const label of Object.values(EXTENSION_LABELS)) expect(LANGUAGE_LABELS).toContain(label);
  });
});

describe('snippetOf', () => {
  const lines = Array.from({ length: 400 }, (_, index) => `line number ${index} of the file`);
  const text = lines.join('\n');

  it('cuts whole lines, at most maxChars, from a start that depends on the key', () => {
    const starts = new Set<string>();
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      const snippet = snippetOf(text, key, 300);
      expect(snippet.length).toBeLessThanOrEqual(300);
      expect(snippet.length).toBeGreaterThan(250);
      for (const line of snippet.split('\n')) expect(lines).toContain(line);
      expect(snippetOf(text, key, 300)).toBe(snippet);
      starts.add(snippet.split('\n')[0] ?? '');
    }
    expect(starts.size).toBeGreaterThan(1);
  });

  it('keeps a short file whole, without leading blank lines or trailing space', () => {
    expect(snippetOf('\n\n  \nconst a = 1;\r\nconst b = 2;\n\n', 'k', 1500)).toBe('const a = 1;\nconst b = 2;');
  });
});

describe('buildCodeCorpus on a fixture tree', () => {
  let root: string;
  const pythonLine = (index: number) => `def function_${index}(argument):\n    return argument * ${index}\n`;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'distillery-corpus-'));
    await mkdir(path.join(root, 'pkg', 'lib'), { recursive: true });
    await mkdir(path.join(root, '.git'), { recursive: true });
    for (let index = 0; index < 6; index++) {
      await writeFile(path.join(root, 'pkg', 'lib', `module${index}.py`), Array.from({ length: 5 }, (_, line) => pythonLine(index * 10 + line)).join('\n'));
    }
    const javascript = 'const value = require("./value");\n'.repeat(6);
    await writeFile(path.join(root, 'pkg', 'a.js'), javascript);
    await writeFile(path.join(root, 'pkg', 'copy-of-a.js'), javascript);
    await writeFile(path.join(root, 'pkg', 'bundle.js'), `var a=${'1+'.repeat(2000)}1;\n`);
    await writeFile(path.join(root, 'pkg', 'tiny.js'), 'module.exports = 1;\n');
    await writeFile(path.join(root, 'pkg', 'binary.c'), `int main(void) { return 0; }\0${'x'.repeat(200)}`);
    await writeFile(path.join(root, 'pkg', 'notes.txt'), 'plain text '.repeat(30));
    await writeFile(path.join(root, '.git', 'hook.sh'), `#!/bin/sh\n${'echo hooked\n'.repeat(20)}`);
    await symlink(path.join(root, 'pkg'), path.join(root, 'linked'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps real source and skips minified, tiny, binary, unlabelled, duplicate, .git and symlinked files', async () => {
    const items = await buildCodeCorpus({ roots: [root] });
    const base = path.basename(root);
    expect(items.filter((item) => item.gold === 'js').map((item) => item.path)).toHaveLength(1);
    expect(items.map((item) => item.path).sort()).toEqual([
      ...(items.some((item) => item.path === `${base}/pkg/a.js`) ? [`${base}/pkg/a.js`] : [`${base}/pkg/copy-of-a.js`]),
      ...Array.from({ length: 6 }, (_, index) => `${base}/pkg/lib/module${index}.py`),
    ].sort());
    expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
  });

  it('caps each label and the total, alternating labels so a prefix stays balanced', async () => {
    const capped = await buildCodeCorpus({ roots: [root], perLabelCap: 2 });
    expect(capped.map((item) => item.gold)).toEqual(['js', 'py', 'py']);
    const limited = await buildCodeCorpus({ roots: [root], limit: 2 });
    expect(limited.map((item) => item.gold)).toEqual(['js', 'py']);
  });

  it('respects maxChars', async () => {
    const items = await buildCodeCorpus({ roots: [root], maxChars: 120 });
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.text.length).toBeLessThanOrEqual(120);
  });

  it('writes JSONL with text, gold and path', async () => {
    const items = await buildCodeCorpus({ roots: [root] });
    const file = path.join(root, 'out', 'corpus.jsonl');
    await writeCorpusJsonl(items, file);
    const rows = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toEqual(items.map(({ text, gold, path: itemPath }) => ({ text, gold, path: itemPath })));
  });
});

describe('buildCodeCorpus on this install', () => {
  let first: CorpusItem[];

  beforeAll(async () => {
    first = await buildCodeCorpus({ limit: 600, perLabelCap: 100 });
  });

  it('finds the project node_modules among the default roots', () => {
    expect(defaultCorpusRoots().some((root) => path.basename(root) === 'node_modules')).toBe(true);
  });

  it('is deterministic: two builds give the same items in the same order', async () => {
    const second = await buildCodeCorpus({ limit: 600, perLabelCap: 100 });
    expect(second).toEqual(first);
  });

  it('gives labelled snippets of several languages within the caps', () => {
    const counts = new Map<string, number>();
    for (const item of first) counts.set(item.gold, (counts.get(item.gold) ?? 0) + 1);
    expect(counts.size).toBeGreaterThanOrEqual(3);
    expect(first.length).toBeLessThanOrEqual(600);
    for (const [label, count] of counts) {
      expect(LANGUAGE_LABELS).toContain(label);
      expect(count).toBeLessThanOrEqual(100);
    }
    for (const item of first) expect(item.text.length).toBeGreaterThanOrEqual(100);
  });
});
