/** Options every benchmark section receives from bench/run.ts. */
export interface BenchOptions {
  /** The small version CI runs: smaller sets, one repeat. */
  quick: boolean;
  /** Repeats for min / median / max (1 in quick mode unless given). */
  repeats: number;
  /** The command that reproduces this run, printed with every figure. */
  command: string;
  /** Extra `--name=value` arguments, for section-specific knobs (e.g. --sets= for student-vs-fasttext). */
  argument(name: string): string | undefined;
}
