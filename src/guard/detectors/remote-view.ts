/**
 * What detectors see of a request another replica observed: the sketch of its text and the flags
 * read from it, never the text (the observation bus shares these instead; see sketch-codec.ts).
 * Kept beside the features object, not inside it, so the RequestFeatures seam stays plain data.
 */
import type { RequestFeatures } from '../types.js';
import type { PromptSketch } from './prompt-sketch.js';

/** A remote request's text, as far as the detectors need it. */
export interface RemoteView {
  readonly sketch: PromptSketch;
  /** Whether the text asked for step-by-step reasoning (the elicitation detector's text check, done where the text was). */
  readonly asksReasoning: boolean;
}

const views = new WeakMap<RequestFeatures, RemoteView>();

/** Attaches the view of a remote request to its (text-less) features. */
export function attachRemoteView(features: RequestFeatures, view: RemoteView): void {
  views.set(features, view);
}

/** The view attached to `features`, or undefined for a request whose text is at hand. */
export function remoteViewOf(features: RequestFeatures): RemoteView | undefined {
  return views.get(features);
}
