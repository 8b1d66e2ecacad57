import { describe, expect, it } from 'vitest';
import { createStudent, STUDENT_KINDS, studentKind } from './registry.js';
import { testSettings } from './synthetic-task.js';

describe('student registry', () => {
  it('creates a student of each registered kind', () => {
    for (const kind of Object.keys(STUDENT_KINDS)) {
      const student = createStudent(kind, ['a', 'b'], testSettings());
      expect(student.kind).toBe(kind);
      expect(student.labels).toEqual(['a', 'b']);
    }
  });

  it('names the valid kinds when asked for an unknown one', () => {
    expect(() => createStudent('transformer', ['a', 'b'], testSettings())).toThrow(/^unknown student kind "transformer": valid kinds are ngram, .*mlp/);
    expect(() => studentKind('toString')).toThrow('unknown student kind');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(STUDENT_KINDS)).toBe(true);
    expect(() => { (STUDENT_KINDS as Record<string, unknown>).extra = {}; }).toThrow(TypeError);
  });
});
