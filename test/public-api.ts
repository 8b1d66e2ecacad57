/**
 * Walks the emitted declarations (.d.ts) from the package entry and lists every named type that a
 * public declaration mentions but the entry does not export: a user can receive or pass such a value
 * but not name its type (the way `RunTaskOptions` once named `Stage` and `ResolvedTeacher`).
 * Textual, not a type checker: it relies on tsc's d.ts layout (top-level declarations at column 0,
 * named imports at the top, `import("./x.js").Name` inline).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A declaration: the file that declares it and its name there. */
interface Symbol {
  file: string;
  name: string;
}

interface ParsedFile {
  /** Top-level declarations by name: their text, and whether the file exports them. */
  declarations: Map<string, { text: string; exported: boolean }>;
  /** Names imported from other files: local name → where it comes from. */
  imports: Map<string, Symbol>;
  /** Names re-exported from other files: exported name → where it comes from. */
  reexports: Map<string, Symbol>;
  /** Files re-exported whole (`export * from`). */
  starExports: string[];
}

const DECLARATION = /^(?:export )?(?:declare )?(?:abstract )?(?:function|const|let|class|interface|type|enum|namespace) ([A-Za-z_$][\w$]*)/;

function resolveModule(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined; // another package: its types are its own business
  return path.resolve(path.dirname(fromFile), specifier.replace(/\.js$/, '.d.ts'));
}

function parseNames(list: string): Array<{ imported: string; local: string }> {
  return list.split(',').map((part) => part.trim().replace(/^type\s+/, '')).filter(Boolean).map((part) => {
    const [imported, local] = part.split(/\s+as\s+/);
    return { imported: imported ?? part, local: local ?? imported ?? part };
  });
}

const cache = new Map<string, ParsedFile>();

function parse(file: string): ParsedFile {
  const cached = cache.get(file);
  if (cached) return cached;
  const parsed: ParsedFile = { declarations: new Map(), imports: new Map(), reexports: new Map(), starExports: [] };
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  for (const match of text.matchAll(/^import (?:type )?\{([^}]*)\} from '([^']+)';/gm)) {
    const target = resolveModule(file, match[2] ?? '');
    if (target) for (const { imported, local } of parseNames(match[1] ?? '')) parsed.imports.set(local, { file: target, name: imported });
  }
  for (const match of text.matchAll(/^export (?:type )?\{([^}]*)\} from '([^']+)';/gm)) {
    const target = resolveModule(file, match[2] ?? '');
    if (target) for (const { imported, local } of parseNames(match[1] ?? '')) parsed.reexports.set(local, { file: target, name: imported });
  }
  for (const match of text.matchAll(/^export \* from '([^']+)';/gm)) {
    const target = resolveModule(file, match[1] ?? '');
    if (target) parsed.starExports.push(target);
  }
  let current: { name: string; lines: string[]; exported: boolean } | undefined;
  const flush = () => {
    if (current) parsed.declarations.set(current.name, { text: current.lines.join('\n'), exported: current.exported });
  };
  for (const line of text.split('\n')) {
    const match = DECLARATION.exec(line);
    if (match?.[1]) {
      flush();
      current = { name: match[1], lines: [line], exported: line.startsWith('export ') };
    } else if (/^(import|export) /.test(line)) {
      flush();
      current = undefined;
    } else current?.lines.push(line);
  }
  flush();
  // `export { a, b };` at the end of a file exports local declarations.
  for (const match of text.matchAll(/^export \{([^}]*)\};/gm)) {
    for (const { imported } of parseNames(match[1] ?? '')) {
      const declaration = parsed.declarations.get(imported);
      if (declaration) declaration.exported = true;
    }
  }
  cache.set(file, parsed);
  return parsed;
}

/** Follows re-exports to the file that declares `name`. */
function originOf(file: string, name: string, seen = new Set<string>()): Symbol | undefined {
  const key = `${file}#${name}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  const parsed = parse(file);
  if (parsed.declarations.get(name)?.exported) return { file, name };
  const reexport = parsed.reexports.get(name);
  if (reexport) return originOf(reexport.file, reexport.name, seen);
  const imported = parsed.imports.get(name);
  if (imported) return originOf(imported.file, imported.name, seen);
  for (const star of parsed.starExports) {
    const found = originOf(star, name, seen);
    if (found) return found;
  }
  return undefined;
}

/** Every name the entry exports, resolved to where it is declared. */
function entryExports(entry: string): Map<string, string> {
  const names = new Map<string, string>();
  const visit = (file: string) => {
    const parsed = parse(file);
    for (const [name, declaration] of parsed.declarations) if (declaration.exported) names.set(`${file}#${name}`, name);
    for (const [name, from] of parsed.reexports) {
      const origin = originOf(from.file, from.name);
      if (origin) names.set(`${origin.file}#${origin.name}`, name);
    }
    for (const star of parsed.starExports) visit(star);
  };
  visit(entry);
  return names;
}

/** The named types a public declaration of the entry mentions that the entry does not export, as "Type (named by A → B)". */
export function unexportedPublicTypes(entry: string): string[] {
  const exported = entryExports(entry);
  const missing = new Map<string, string>();
  const seen = new Set<string>();
  const queue: Array<{ symbol: Symbol; via: string }> = [];
  for (const [key, name] of exported) {
    const [file] = key.split('#');
    queue.push({ symbol: { file: file ?? '', name: key.slice((file ?? '').length + 1) }, via: name });
  }
  while (queue.length > 0) {
    const { symbol, via } = queue.shift() as { symbol: Symbol; via: string };
    const key = `${symbol.file}#${symbol.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const parsed = parse(symbol.file);
    const text = parsed.declarations.get(symbol.name)?.text ?? '';
    // Comments mention names that the types do not use.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const mentioned: Symbol[] = [];
    for (const match of code.matchAll(/import\("([^"]+)"\)\.([A-Za-z_$][\w$]*)/g)) {
      const target = resolveModule(symbol.file, match[1] ?? '');
      if (target) mentioned.push({ file: target, name: match[2] ?? '' });
    }
    for (const match of code.matchAll(/(?<![.\w$"'])([A-Z][\w$]*)\b/g)) {
      const name = match[1] ?? '';
      if (name === symbol.name) continue;
      if (parsed.imports.has(name)) mentioned.push(parsed.imports.get(name) as Symbol);
      else if (parsed.declarations.has(name)) mentioned.push({ file: symbol.file, name });
    }
    for (const reference of mentioned) {
      const origin = originOf(reference.file, reference.name) ?? reference;
      const originKey = `${origin.file}#${origin.name}`;
      const path = `${via} → ${origin.name}`;
      if (!exported.has(originKey) && !missing.has(origin.name)) missing.set(origin.name, path);
      queue.push({ symbol: origin, via: path });
    }
  }
  return [...missing].map(([name, chain]) => `${name} (named by ${chain})`).sort();
}
