/**
 * The span tagger's file: the shared student container (src/student/file-container.ts) of kind
 * `span-tagger`, whose header carries `spanTaggerVersion` and the feature templates' version, and whose
 * tensors hold only the emission rows that are not all zero (their row numbers beside them) and the
 * transition weights. No Node built-ins: a browser can load it from bytes.
 */
import { decodeStudentFile, encodeStudentFile, StudentFileError } from '../file-container.js';
import { FEATURE_VERSION, tagNames } from './features.js';
import { SpanTagger, type SpanField } from './span-tagger.js';

/** The container kind of a span tagger file. */
export const SPAN_TAGGER_KIND = 'span-tagger';
/** Bumped whenever what the tensors mean changes incompatibly. */
export const SPAN_TAGGER_VERSION = 1;

/** The tagger as file bytes. */
export function spanTaggerToBytes(tagger: SpanTagger): Uint8Array {
  const k = tagger.tags.length;
  const rows: number[] = [];
  for (let row = 0; row < 1 << tagger.bits; row++) {
    for (let t = 0; t < k; t++) if (tagger.emission[row * k + t] !== 0) { rows.push(row); break; }
  }
  const values = new Float32Array(rows.length * k);
  rows.forEach((row, index) => values.set(tagger.emission.subarray(row * k, row * k + k), index * k));
  const statistics = [...(tagger.statistics ?? new Map<string, readonly [number, number]>())];
  return encodeStudentFile(SPAN_TAGGER_KIND, {
    spanTaggerVersion: SPAN_TAGGER_VERSION, featureVersion: FEATURE_VERSION, fields: tagger.fields, bits: tagger.bits, tags: tagger.tags,
    ...(tagger.statistics === undefined ? {} : { statisticsWords: statistics.map(([word]) => word) }),
  }, [['rows', Uint32Array.from(rows)], ['values', values], ['transition', tagger.transition],
    ...(tagger.statistics === undefined ? [] : [['statisticsCounts', Uint32Array.from(statistics.flatMap(([, counts]) => [counts[0], counts[1]]))] as [string, Uint32Array]])]);
}

/** A tagger from file bytes; a StudentFileError for any file that is not a span tagger this code can read. */
export function spanTaggerFromBytes(bytes: Uint8Array): SpanTagger {
  const file = decodeStudentFile(bytes);
  if (file.kind !== SPAN_TAGGER_KIND) throw new StudentFileError(`not a span tagger file (kind "${file.kind}")`);
  const { header } = file;
  if (header['spanTaggerVersion'] !== SPAN_TAGGER_VERSION) throw new StudentFileError(`span tagger file version ${String(header['spanTaggerVersion'])} is not ${SPAN_TAGGER_VERSION}`);
  if (header['featureVersion'] !== FEATURE_VERSION) throw new StudentFileError(`span tagger features version ${String(header['featureVersion'])} is not ${FEATURE_VERSION}`);
  const fields = header['fields'] as SpanField[];
  const bits = header['bits'] as number;
  if (!Array.isArray(fields) || !Number.isInteger(bits) || bits < 1 || bits > 26) throw new StudentFileError('span tagger header is damaged');
  const k = tagNames(fields.map((field) => field.name)).length;
  const rows = file.tensors.get('rows');
  const values = file.tensors.get('values');
  const transition = file.tensors.get('transition');
  if (!(rows instanceof Uint32Array) || !(values instanceof Float32Array) || !(transition instanceof Float32Array) || values.length !== rows.length * k) {
    throw new StudentFileError('span tagger tensors are damaged');
  }
  const emission = new Float32Array((1 << bits) * k);
  rows.forEach((row, index) => {
    if (row >= 1 << bits) throw new StudentFileError('span tagger tensors are damaged');
    emission.set(values.subarray(index * k, index * k + k), row * k);
  });
  const words = header['statisticsWords'];
  let statistics: Map<string, [number, number]> | undefined;
  if (words !== undefined) {
    const counts = file.tensors.get('statisticsCounts');
    if (!Array.isArray(words) || !(counts instanceof Uint32Array) || counts.length !== words.length * 2) throw new StudentFileError('span tagger word statistics are damaged');
    statistics = new Map(words.map((word: unknown, index) => [String(word), [counts[2 * index] as number, counts[2 * index + 1] as number]]));
  }
  return new SpanTagger({ fields, bits, emission, transition: Float32Array.from(transition), statistics });
}
