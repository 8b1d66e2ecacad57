/**
 * Where a worker thread's module is. Built code runs `NAME.js` beside the caller; under tsx (tests,
 * `npm run bench`) the caller is a .ts file, and a worker does not inherit tsx's loader, so the worker
 * gets a bootstrap that registers the loader and then imports `NAME.ts`.
 */

/** The `Worker` source and `eval` flag for the module `name` (no extension) next to the module at `callerURL`. */
export function workerSource(callerURL: string, name: string): { source: string | URL; eval: boolean } {
  if (!callerURL.endsWith('.ts')) return { source: new URL(`./${name}.js`, callerURL), eval: false };
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerURL).href);
  return { source: `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`, eval: true };
}
