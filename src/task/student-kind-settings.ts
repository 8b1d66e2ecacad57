/**
 * Settings schemas read by the student kinds themselves, apart from schema.ts so that the student
 * runtime (which must run in a browser) does not pull in the task kinds and their JSON-schema validator.
 */
import { z } from 'zod';

/**
 * Settings only the `mlp` student reads. Its learning rate is its own: Adam on an MLP wants about
 * 1e-3, the n-gram student's row-wise Adagrad about 0.5, and one shared default cannot serve both.
 */
export const mlpSettingsSchema = z.object({
  /** Widths of the hidden ReLU layers, input side first. */
  hiddenSizes: z.array(z.number().int().min(1).max(8192)).min(1).max(8).default([100]),
  batchSize: z.number().int().min(1).max(65536).default(128),
  /** Probability of dropping each hidden unit while training (inverted dropout); 0 turns it off. */
  dropout: z.number().min(0).max(0.9).default(0),
  /** Adam's step size. */
  learningRate: z.number().positive().default(0.001),
  /** The step size is multiplied by this after every epoch (1 keeps it constant); a decay settles the noisy last epochs. */
  learningRateDecay: z.number().gt(0).max(1).default(1),
}).strict();

/** The MLP student's settings, defaults filled in. */
export type MlpSettings = z.infer<typeof mlpSettingsSchema>;

/** Settings only the `bag-mlp` student reads (its embedding table uses `buckets`, `dim` and the n-gram settings). */
export const bagMlpSettingsSchema = z.object({
  /** Widths of the hidden ReLU layers over the embedding bag (one or two is usual). */
  hiddenSizes: z.array(z.number().int().min(1).max(4096)).min(1).max(4).default([64]),
  /** Probability of dropping each hidden unit while training; 0 turns it off. */
  dropout: z.number().min(0).max(0.9).default(0),
  /** Adam's step size for the dense layers (the embedding rows use `learningRate`, row-wise Adagrad). */
  learningRate: z.number().positive().default(0.001),
}).strict();
