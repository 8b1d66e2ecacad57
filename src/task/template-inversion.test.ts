import { describe, expect, it } from 'vitest';
import { compileTemplateInverter } from './template-inversion.js';

const labels = ['python', 'javascript', 'go'];
const demoLike = [
  { role: 'system', content: 'Name the language. Answer with one of: {{labels}}' },
  { role: 'user', content: 'Code:\n{{text}}\n---' },
];

describe('compileTemplateInverter', () => {
  it('recovers {{text}} from the exact templated prompt, {{labels}} read as the literal label list', () => {
    const invert = compileTemplateInverter(demoLike, labels);
    const match = invert([
      { role: 'system', content: 'Name the language. Answer with one of: python, javascript, go' },
      { role: 'user', content: 'Code:\nprint("---")\n---\nx = 1\n---' },
    ]);
    expect(match).toEqual({ text: 'print("---")\n---\nx = 1', fields: {}, textMessage: 1 });
  });

  it('recovers other fields with lazy captures, across messages, and accepts developer for system', () => {
    const invert = compileTemplateInverter([
      { role: 'system', content: 'Ticket for {{team}}. Labels: {{labels}}' },
      { role: 'user', content: 'Subject: {{subject}}\n{{text}}' },
    ], labels);
    expect(invert([
      { role: 'developer', content: 'Ticket for billing. Labels: python, javascript, go' },
      { role: 'user', content: 'Subject: refund\nfirst line\nSubject: again' },
    ])).toEqual({ text: 'first line\nSubject: again', fields: { team: 'billing', subject: 'refund' }, textMessage: 1 });
  });

  it('does not match another label list, changed wording, other roles or another number of messages', () => {
    const invert = compileTemplateInverter(demoLike, labels);
    const user = { role: 'user', content: 'Code:\nx\n---' };
    expect(invert([{ role: 'system', content: 'Name the language. Answer with one of: python, go' }, user])).toBeNull();
    expect(invert([{ role: 'system', content: 'Name the language! Answer with one of: python, javascript, go' }, user])).toBeNull();
    expect(invert([{ role: 'user', content: 'Name the language. Answer with one of: python, javascript, go' }, user])).toBeNull();
    expect(invert([user])).toBeNull();
    expect(invert([{ role: 'system', content: 'Name the language. Answer with one of: python, javascript, go' }, { role: 'user', content: 'Code:\nx' }])).toBeNull();
  });

  it('needs a repeated placeholder to capture the same value everywhere', () => {
    const invert = compileTemplateInverter([{ role: 'user', content: '<{{text}}> again: <{{text}}>' }], labels);
    expect(invert([{ role: 'user', content: '<a> again: <a>' }])?.text).toBe('a');
    expect(invert([{ role: 'user', content: '<a> again: <b>' }])).toBeNull();
  });

  it('matches a bare {{text}} template to any content, including the empty one', () => {
    const invert = compileTemplateInverter([{ role: 'user', content: '{{text}}' }], labels);
    expect(invert([{ role: 'user', content: 'anything at all' }])?.text).toBe('anything at all');
    expect(invert([{ role: 'user', content: '' }])?.text).toBe('');
  });

  it('agrees with the lazy-capture regex it stands for on adversarial separators', () => {
    const template = 'A{{x}}B{{text}}C';
    const invert = compileTemplateInverter([{ role: 'user', content: template }], labels);
    const regex = /^A([\s\S]*?)B([\s\S]*?)C$/;
    for (const content of ['AxBtC', 'ABBC', 'AxBBtCC', 'AxByBzC', 'AC', 'ABC', 'AxBtCx', 'BxC', 'ABCBC']) {
      const expected = regex.exec(content);
      const match = invert([{ role: 'user', content }]);
      expect(match === null ? null : [match.fields['x'], match.text], content).toEqual(expected === null ? null : [expected[1], expected[2]]);
    }
  });
});
