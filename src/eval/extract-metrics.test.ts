import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.js';
import { compileSchema, extractMetrics, flattenFields } from './extract-metrics.js';

const SCHEMA = {
  type: 'object',
  properties: { people: { type: 'array', items: { type: 'string' } }, places: { type: 'array', items: { type: 'string' } } },
  required: ['people', 'places'],
  additionalProperties: false,
};

/**
 * Five examples whose figures are counted by hand below (pairs are (path, canonical value)):
 * 1. same object, keys in another order: exact; TP 3 (people[] Ann, people[] Bo, places[] Rome).
 * 2. teacher people[] Ann, places [] — student people[] Ann ×2, places[] Oslo: valid, not exact;
 *    TP 1 (people[] Ann), FP 2 (the second Ann, places[] Oslo), FN 1 (places []).
 * 3. student not JSON: FN 2 (people[] Cy, places[] Lima).
 * 4. teacher people [], places [] — student the same plus "extra": 1: parses, breaks the schema
 *    (additionalProperties); TP 2, FP 1 (extra 1).
 * 5. teacher not JSON: no reference, left out.
 * Totals over 1–4: TP 6, FP 3, FN 3 → P = R = F1 = 6/9; parse 3/4, valid 2/4, exact 1/4.
 */
const PAIRS = [
  { teacher: '{"people":["Ann","Bo"],"places":["Rome"]}', student: ' {"places":["Rome"],"people":["Ann","Bo"]}\n' },
  { teacher: '{"people":["Ann"],"places":[]}', student: '{"people":["Ann","Ann"],"places":["Oslo"]}' },
  { teacher: '{"people":["Cy"],"places":["Lima"]}', student: 'People: Cy. Places: Lima.' },
  { teacher: '{"people":[],"places":[]}', student: '{"people":[],"places":[],"extra":1}' },
  { teacher: 'I cannot help with that.', student: '{"people":[],"places":[]}' },
];

describe('extract metrics (hand-counted reference)', () => {
  const metrics = extractMetrics(PAIRS, SCHEMA);

  it('rates are over examples with a parseable teacher answer', () => {
    expect(metrics.examples).toBe(4);
    expect(metrics.referenceUnparseable).toBe(1);
    expect(metrics.parseRate).toBe(3 / 4);
    expect(metrics.validRate).toBe(2 / 4);
    expect(metrics.exactMatchRate).toBe(1 / 4);
  });

  it('field precision, recall and F1 are micro-averaged over all pairs of all examples', () => {
    expect(metrics.fields).toMatchObject({ truePositives: 6, falsePositives: 3, falseNegatives: 3 });
    expect(metrics.fields.precision).toBeCloseTo(6 / 9, 12);
    expect(metrics.fields.recall).toBeCloseTo(6 / 9, 12);
    expect(metrics.fields.f1).toBeCloseTo(6 / 9, 12);
  });

  it('per field: each path summed on its own', () => {
    const byPath = Object.fromEntries(metrics.perField.map((field) => [field.path, [field.truePositives, field.falsePositives, field.falseNegatives]]));
    expect(byPath).toEqual({
      'people[]': [3, 1, 1],
      'places[]': [1, 1, 1],
      people: [1, 0, 0],
      places: [1, 0, 1],
      extra: [0, 1, 0],
    });
    expect(metrics.perField.map((field) => field.path)).toEqual(['extra', 'people', 'people[]', 'places', 'places[]']);
    expect(metrics.perField.find((field) => field.path === 'people[]')?.f1).toBeCloseTo(0.75, 12);
  });

  it('an empty test set scores zero, not NaN', () => {
    const empty = extractMetrics([], SCHEMA);
    expect([empty.parseRate, empty.validRate, empty.exactMatchRate, empty.fields.f1]).toEqual([0, 0, 0, 0]);
  });
});

describe('flattening', () => {
  it('arrays are multisets under one path; odd keys are bracketed; empty containers are leaves', () => {
    const fields = flattenFields({ a: { 'b c': [{ d: 1 }, { d: 1 }, { d: 'x' }] }, e: {}, f: [] });
    expect([...fields.entries()].map(([path, values]) => [path, Object.fromEntries(values)])).toEqual([
      ['a["b c"][].d', { '1': 2, '"x"': 1 }],
      ['e', { '{}': 1 }],
      ['f', { '[]': 1 }],
    ]);
  });

  it('a top-level primitive is one field at the empty path', () => {
    expect(Object.fromEntries(flattenFields('Ann').get('') ?? [])).toEqual({ '"Ann"': 1 });
  });
});

describe('schemas', () => {
  it('an invalid JSON Schema is a UsageError naming the cause', () => {
    expect(() => compileSchema({ type: 'no-such-type' })).toThrow(UsageError);
    expect(() => compileSchema({ type: 'no-such-type' })).toThrow(/invalid JSON Schema/);
  });

  it('a 2020-12 schema is checked by the 2020-12 dialect (prefixItems and items: false)', () => {
    const isValid = compileSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'number' }], items: false });
    expect(isValid([1])).toBe(true);
    expect(isValid(['x'])).toBe(false);
    expect(isValid([1, 2])).toBe(false);
  });
});
