/**
 * The slices of optional tools that the E2E tests and the benchmark use: node-llama-cpp,
 * playwright-core and esbuild. They are imported by name at run time, so type-checking and the
 * default test run do not need them installed.
 */

/** Imports a module by name without making the type checker resolve it. */
export async function importOptional<T>(name: string): Promise<T> {
  return (await import(name)) as T;
}

/** What is used of node-llama-cpp. */
export interface LlamaModule {
  getLlama(options: { gpu: false; build: 'never' }): Promise<{
    loadModel(options: { modelPath: string }): Promise<LlamaModel>;
    dispose(): Promise<void>;
  }>;
}

/** A loaded GGUF model in node-llama-cpp. */
export interface LlamaModel {
  tokens: { bos: number | null };
  tokenize(text: string): number[];
  createContext(options: { contextSize: number; threads?: number }): Promise<{ getSequence(): LlamaSequence; dispose(): Promise<void> }>;
  dispose(): Promise<void>;
}

/** A context sequence in node-llama-cpp. */
export interface LlamaSequence {
  controlledEvaluate(input: Array<number | [number, { generateNext: { probabilities?: boolean; token?: boolean; options?: { temperature?: number } } }]>): Promise<Array<{ next?: { token?: number; probabilities?: Map<number, number> } } | undefined>>;
  evaluate(tokens: number[], options: { temperature?: number }): AsyncIterable<number>;
}

/** What is used of playwright-core. */
export interface PlaywrightModule {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<{ newPage(): Promise<{ evaluate(script: string): Promise<unknown> }>; close(): Promise<void> }> };
}

/** What is used of esbuild. */
export interface EsbuildModule {
  build(options: { stdin: { contents: string; resolveDir: string; loader: 'ts' }; bundle: true; format: 'esm'; platform: 'browser'; write: false }): Promise<{ outputFiles: Array<{ text: string }> }>;
}
