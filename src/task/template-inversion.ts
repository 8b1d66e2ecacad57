/**
 * Recovers the input from a request that carries the teacher's templated prompt. An app that swaps
 * its `baseURL` to the student keeps sending what it sent the teacher — instructions, the label list
 * and the input — while the student was trained on the input alone; classifying the whole message
 * would ask it about text it never saw. The task's template is inverted instead: every message of
 * the template is matched against the request's message at the same place, literal parts exactly,
 * `{{labels}}` as the literal label list, and every other placeholder as a lazy capture.
 */
import { LABELS_PLACEHOLDER, labelList, splitTemplate, TEXT_PLACEHOLDER } from './template-parts.js';

/** A message template: a role and content with `{{placeholders}}`. */
export interface MessageTemplate {
  role: string;
  content: string;
}

/** What a template match recovered: the input text, the other fields, and which message held the text. */
export interface TemplateMatch {
  text: string;
  fields: Record<string, string>;
  /** Index of the request message whose content held `{{text}}`. */
  textMessage: number;
}

/** A template compiled for matching: literal pieces between the captures of each message. */
interface CompiledMessage {
  role: string;
  /** Literal text around the captures: `literals.length === names.length + 1`. */
  literals: string[];
  names: string[];
}

/** A function that inverts the template on a request's messages, or returns null where it does not match. */
export type TemplateInverter = (messages: readonly { role: string; content: string }[]) => TemplateMatch | null;

/** `system` and `developer` are one role to a template: newer OpenAI clients send the latter in place of the former. */
function sameRole(templateRole: string, requestRole: string): boolean {
  const canonical = (role: string) => (role === 'developer' ? 'system' : role);
  return canonical(templateRole) === canonical(requestRole);
}

/** Splits one message template into literals and capture names, with `{{labels}}` folded into the literals. */
function compileMessage(message: MessageTemplate, labels: readonly string[]): CompiledMessage {
  const { literals: pieces, names: placeholders } = splitTemplate(message.content);
  const literals = [pieces[0] ?? ''];
  const names: string[] = [];
  placeholders.forEach((name, index) => {
    const following = pieces[index + 1] ?? '';
    if (name === LABELS_PLACEHOLDER) literals[literals.length - 1] += labelList(labels) + following;
    else {
      names.push(name);
      literals.push(following);
    }
  });
  return { role: message.role, literals, names };
}

/**
 * Matches `content` against `^L0(.*?)L1(.*?)…Ln$`: the same split a backtracking regex with lazy
 * captures finds (each capture ends at the first place the next literal occurs, which leaves the most
 * room for the rest), found with indexOf in linear time, where a regex may backtrack quadratically on
 * a large body. Returns the captures in order, or null.
 */
function matchMessage(compiled: CompiledMessage, content: string): string[] | null {
  const { literals } = compiled;
  const first = literals[0] ?? '';
  const last = literals.length > 1 ? (literals[literals.length - 1] ?? '') : '';
  if (literals.length === 1) return content === first ? [] : null;
  if (!content.startsWith(first) || !content.endsWith(last) || content.length < first.length + last.length) return null;
  const end = content.length - last.length;
  const captures: string[] = [];
  let position = first.length;
  for (let index = 1; index < literals.length - 1; index++) {
    const literal = literals[index] ?? '';
    const found = content.indexOf(literal, position);
    if (found === -1 || found + literal.length > end) return null;
    captures.push(content.slice(position, found));
    position = found + literal.length;
  }
  captures.push(content.slice(position, end));
  return captures;
}

/**
 * Compiles a template (all its messages) into an inverter. A request matches when it has the same
 * number of messages, in the same roles, each content matching its template, and a placeholder used
 * more than once captures the same value everywhere.
 */
export function compileTemplateInverter(messages: readonly MessageTemplate[], labels: readonly string[]): TemplateInverter {
  const compiled = messages.map((message) => compileMessage(message, labels));
  return (request) => {
    if (request.length !== compiled.length) return null;
    const fields = new Map<string, string>();
    let textMessage = -1;
    for (const [index, template] of compiled.entries()) {
      const message = request[index];
      if (message === undefined || !sameRole(template.role, message.role)) return null;
      const captures = matchMessage(template, message.content);
      if (captures === null) return null;
      for (const [position, name] of template.names.entries()) {
        const value = captures[position] ?? '';
        if (fields.has(name) && fields.get(name) !== value) return null;
        fields.set(name, value);
        if (name === TEXT_PLACEHOLDER && textMessage === -1) textMessage = index;
      }
    }
    const text = fields.get(TEXT_PLACEHOLDER);
    if (text === undefined) return null;
    fields.delete(TEXT_PLACEHOLDER);
    return { text, fields: Object.fromEntries(fields), textMessage };
  };
}
