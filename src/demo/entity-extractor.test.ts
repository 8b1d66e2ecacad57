import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENTITY_KINDS, ENTITY_SCHEMA, entityAnswerText, entitySchemaViolation, entityText, extractEntities } from './entity-extractor.js';

/** ENTITY_SCHEMA compiled by an independent JSON Schema reader (zod's), not by the hand check. */
const schemaValidator = z.fromJSONSchema(ENTITY_SCHEMA as unknown as Parameters<typeof z.fromJSONSchema>[0]);

describe('ENTITY_SCHEMA', () => {
  it('requires exactly the three kinds as arrays of strings', () => {
    expect(ENTITY_SCHEMA.required).toEqual(['people', 'places', 'organizations']);
    expect(schemaValidator.safeParse({ people: ['Ada'], places: [], organizations: [] }).success).toBe(true);
    expect(schemaValidator.safeParse({ people: ['Ada'], places: [] }).success).toBe(false);
    expect(schemaValidator.safeParse({ people: [1], places: [], organizations: [] }).success).toBe(false);
    expect(schemaValidator.safeParse({ people: [], places: [], organizations: [], dates: [] }).success).toBe(false);
  });

  it('agrees with the hand check', () => {
    const cases: unknown[] = [
      { people: [], places: [], organizations: [] },
      { people: ['Ada'], places: ['London'], organizations: ['IBM'] },
      { people: ['Ada'], places: [] },
      { people: 'Ada', places: [], organizations: [] },
      { people: [null], places: [], organizations: [] },
      { people: [], places: [], organizations: [], extra: true },
      ['people'],
      null,
    ];
    for (const value of cases) expect(entitySchemaViolation(value) === null, JSON.stringify(value)).toBe(schemaValidator.safeParse(value).success);
  });
});

describe('entityText', () => {
  it.each([
    [[{ pre: '', text: 'Thomas', post: ' ' }, { pre: '', text: 'Benton', post: ', ' }], 'Thomas Benton'],
    [[{ pre: '(', text: 'Paris', post: ') ' }], 'Paris'],
    [[{ pre: '', text: "Missouri's", post: ' ' }], 'Missouri'],
    [[{ pre: '', text: 'Jesus', post: "' " }], 'Jesus'],
    [[{ pre: '', text: 'Washington', post: ', ' }, { pre: '', text: 'D.C.', post: ' ' }], 'Washington, D.C.'],
    [[{ pre: '', text: 'FMLN', post: ', ' }, { pre: '"', text: 'IBM', post: '" ' }], 'FMLN, IBM'],
  ])('keeps inner punctuation and drops outer punctuation and possessives (%#)', (terms, expected) => {
    expect(entityText({ terms })).toBe(expected);
  });
});

describe('extractEntities (compromise)', () => {
  it('answers the people, places and organisations in order of first appearance, each once', () => {
    const answer = extractEntities('Kenneth Rogoff flew from Shanghai to Taiwan, then back to Shanghai, and met Kenneth Rogoff again.');
    expect(answer.people).toEqual(['Kenneth Rogoff']);
    expect(answer.places).toEqual(['Shanghai', 'Taiwan']);
  });

  it('answers empty lists for a sentence without names', () => {
    expect(extractEntities("It wasn't worth it.")).toEqual({ people: [], places: [], organizations: [] });
  });

  it('is deterministic and writes keys in schema order', () => {
    const sentence = "The United Kingdom's drug regulators met Harry Nilsson and the FMLN in El Salvador.";
    const text = entityAnswerText(extractEntities(sentence));
    expect(entityAnswerText(extractEntities(sentence))).toBe(text);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([...ENTITY_KINDS]);
    expect(JSON.parse(text)).toMatchObject({ places: expect.arrayContaining(['United Kingdom', 'El Salvador']) as unknown });
  });
});
