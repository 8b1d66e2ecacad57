/**
 * The model owner's side of the KGW evidence bench: a language model trained with Distillery on the
 * licence texts (cached under .bench-cache, since every run of the same settings trains the same
 * model), served by the real `distillery serve` server (`startLanguageModelServer`) once with a KGW
 * key and once without, and the real guard gateway in front of the watermarked one (detectors off,
 * so the harvest is not throttled: the watermark alone is measured). Also the paraphraser: another
 * Distillery language model, trained on other text, that rewrites a text given most of its words.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKey, openSqliteGuardStore, startGateway, type Gateway, type PolicyConfig } from '../../src/guard/index.js';
import { startLanguageModelServer, type ListeningServer } from '../../src/serve/index.js';
import { languageModelFromBytes, trainLanguageModelStudent, trainTokenizer, type GenerativeStudent } from '../../src/student/lm/index.js';
import type { WatermarkKey } from '../../src/evidence/watermark-key.js';
import { contentHash } from '../../src/util/hash.js';
import { paraphraseInput, type TextWindow } from './kgw-corpus.js';

const CACHE = path.resolve('.bench-cache', 'evidence-kgw');
/** The model name the owner serves. */
export const OWNER_MODEL = 'owner-lm';

/** How big the owner's model and its training are. */
export interface OwnerSettings {
  vocabularySize: number;
  width: number;
  layers: number;
  hiddenWidth: number;
  context: number;
  steps: number;
  learningRate: number;
}

/** Trains (or loads from the cache) a language model on `train`; `name` keys the cache with the settings and data. */
function cachedModel(name: string, train: readonly TextWindow[], validation: readonly TextWindow[], settings: OwnerSettings, seed: number): CachedModel {
  const file = path.join(CACHE, `${name}-${contentHash({ settings, seed, train, validation }).slice(0, 16)}.lm`);
  if (existsSync(file)) {
    const student = loadModel(file);
    return { student, file, seconds: student.training?.seconds ?? 0, cached: true, validationLoss: student.training?.validationLoss ?? Number.NaN };
  }
  const tokenizer = trainTokenizer(train.flatMap((window) => [window.prompt, window.answer]), settings.vocabularySize);
  const fitting = (windows: readonly TextWindow[]) => windows.filter((window) => tokenizer.encode(window.prompt).length + tokenizer.encode(window.answer).length + 3 <= settings.context);
  const { student, report } = trainLanguageModelStudent(fitting(train), fitting(validation), {
    tokenizer, config: { width: settings.width, layers: settings.layers, heads: 2, keyValueHeads: 2, hiddenWidth: settings.hiddenWidth, context: settings.context },
    training: { steps: settings.steps, batchSize: 16, learningRate: settings.learningRate, warmupSteps: 20, evaluateEvery: 50, patience: 4, seed },
  });
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, student.toBytes('f32'));
  return { student: loadModel(file), file, seconds: student.training?.seconds ?? 0, cached: false, validationLoss: report.bestValidationLoss };
}

/** A cached model and where its file is (child processes load it from there). */
export interface CachedModel { student: GenerativeStudent; file: string; seconds: number; cached: boolean; validationLoss: number }

/** Loads a model file written by `cachedModel`. */
export function loadModel(file: string): GenerativeStudent {
  return languageModelFromBytes(new Uint8Array(readFileSync(file)));
}

/** The owner's model, trained on licence windows. */
export function ownerModel(train: readonly TextWindow[], validation: readonly TextWindow[], settings: OwnerSettings): CachedModel {
  return cachedModel('owner', train, validation, settings, 7);
}

/** The paraphraser: learns to write a sentence back from its words with every third one dropped (other text than the owner's). */
export function paraphraserModel(sentences: readonly string[], settings: OwnerSettings): CachedModel {
  const pairs = sentences.map((sentence) => ({ prompt: paraphraseInput(sentence), answer: sentence }));
  const held = Math.max(8, Math.floor(pairs.length / 20));
  return cachedModel('paraphraser', pairs.slice(held), pairs.slice(0, held), settings, 11);
}

/** The owner's deployment: the watermarked server behind the guard, and a clean server (the control's teacher). */
export interface OwnerDeployment {
  /** The guard gateway's base URL (in front of the watermarked server). */
  guardedURL: string;
  /** The attacker's key on the gateway. */
  guardKey: string;
  /** The unwatermarked server's base URL. */
  cleanURL: string;
  close(): Promise<void>;
}

/** Detectors off: the harvest must not be throttled, so that the watermark alone is what is measured. */
const POLICY: PolicyConfig = { default: { flagAt: null, throttleAt: null, blockAt: null } };

/** Starts the owner's servers (the real `serve` code) and the guard in front of the watermarked one. */
export async function deployOwner(student: GenerativeStudent, key: WatermarkKey): Promise<OwnerDeployment> {
  const marked: ListeningServer = await startLanguageModelServer({ student, modelName: OWNER_MODEL, watermark: key });
  const clean: ListeningServer = await startLanguageModelServer({ student, modelName: OWNER_MODEL });
  const storeFile = path.join(os.tmpdir(), `evidence-kgw-guard-${process.pid}-${Date.now()}.db`);
  const store = openSqliteGuardStore(storeFile);
  const gateway: Gateway = await startGateway({ upstreamUrl: marked.url, store, policy: POLICY, onError: () => undefined });
  const guardKey = (await createKey(store, { name: 'attacker', tier: 'default' })).secret;
  return {
    guardedURL: gateway.url, guardKey, cleanURL: clean.url,
    close: async () => {
      await gateway.close();
      await store.close();
      await marked.close();
      await clean.close();
      rmSync(storeFile, { force: true });
    },
  };
}
