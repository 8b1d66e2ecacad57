/**
 * Summarises a V8 `.cpuprofile` (as written by `--profile=DIR`, i.e. `node --cpu-prof`): the functions
 * with the most self time and the most inclusive time, as shares of the busy (non-idle) time.
 *   node --import tsx bench/load/profile-summary.ts DIR/CPU.*.cpuprofile [top=30]
 * Caveat: samples are wall-clock; a process descheduled inside a system call (writev on a busy
 * machine) shows that wait as the call's self time. CPU per request (in the tables) is the true cost.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** "name file:line" for a node. */
function frameName(node: ProfileNode): string {
  const file = node.callFrame.url.replace(/^.*\//, '');
  return `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
}

/** Self and inclusive microseconds per frame name, and the total and idle time. */
export function summarise(profile: Profile): { self: Map<string, number>; inclusive: Map<string, number>; total: number; idle: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const perNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    perNode.set(id, (perNode.get(id) ?? 0) + delta);
    total += delta;
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, micros] of perNode) {
    const node = byId.get(id);
    if (node === undefined) continue;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + micros);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (frame === undefined) break;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
    }
  }
  const idle = [...self].filter(([name]) => name.startsWith('(idle)')).reduce((sum, [, micros]) => sum + micros, 0);
  return { self, inclusive, total, idle };
}

/** The `top` largest entries as lines of "share %  name". */
function table(values: Map<string, number>, busy: number, top: number): string[] {
  return [...values].filter(([name]) => !name.startsWith('(idle)') && !name.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, micros]) => `${((100 * micros) / busy).toFixed(1).padStart(6)} %  ${name}`);
}

const [file, topArgument] = process.argv.slice(2);
if (file !== undefined) {
  const top = Number(topArgument ?? 30);
  const { self, inclusive, total, idle } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const busy = Math.max(1, total - idle);
  process.stdout.write([`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy; shares of busy time`, '-- self', ...table(self, busy, top), '-- inclusive', ...table(inclusive, busy, top), ''].join('\n'));
}
