/**
 * The student's side of a routed call, for either family: parse the request as the student would
 * serve it, find the input (template inversion), answer, and say how sure it is; null for a call the
 * student cannot read (tools, images, n > 1, an empty input, a prompt longer than its context), which
 * the teacher then answers or refuses. The route compares the confidence with its threshold.
 */
import type { ServerResponse } from 'node:http';
import { parseChatCompletionRequest, type ChatCompletionRequest } from '../serve/chat-request.js';
import { chatCompletion, chatCompletionChunks, newCompletionIdentity, usageFor, type ClassifierAnswer } from '../serve/chat-response.js';
import { chatLogprobEntries, generatedChatChunk, generatedChatCompletion, generationUsage, usageChunk, type TokenRendering } from '../serve/generation-response.js';
import { HttpError, parseJsonObject, sendJson, SseWriter } from '../serve/http.js';
import { studentAnswer, templateInputSelector } from '../serve/student-server.js';
import type { StudentPrompt } from '../student/file-format.js';
import { LanguageModelError } from '../student/lm/errors.js';
import type { Student } from '../student/types.js';
import { costUSD, type Prices } from '../teacher/prices.js';
import { countTextTokens, estimateInputTokens } from '../teacher/tokens.js';
import type { ConfidenceSignal } from './calibrate.js';
import { answerWithConfidence, type GenerativeAnswer, type GenerativeRouting } from './sequence-confidence.js';

/** What the student made of one call. */
export interface StudentReading {
  /** The input found in the request (what the student answered). */
  input: string;
  /** A classifier's label; null for a language model's answer. */
  label: string | null;
  /** What the student answers: the label, or the language model's text (what a shadow call compares). */
  answer: string;
  /** Top label probability (classifier) or exp(mean token logprob), 0 when invalid (language model). */
  confidence: number;
  /** What the teacher would have cost for this call (o200k estimate, as the collector budgets). */
  avoidedUSD: number;
  /** Sends the student's answer with the route's headers added. */
  send(response: ServerResponse, headers: Record<string, string>): void;
}

/** A classifier answer's confidence from its ranked labels. */
function confidenceOf(answer: ClassifierAnswer, signal: ConfidenceSignal): number {
  const top = Math.exp(answer.ranked?.[0]?.logprob ?? Number.NEGATIVE_INFINITY);
  return signal === 'top-probability' ? top : top - Math.exp(answer.ranked?.[1]?.logprob ?? Number.NEGATIVE_INFINITY);
}

/** Reads a call's body, or null when the student cannot. */
export type StudentReader = (body: Buffer) => StudentReading | null;

/** Parses the body as a chat request for the student, or null for one it cannot read. */
function parseForStudent(body: Buffer, modelName: string): ChatCompletionRequest | null {
  try {
    return parseChatCompletionRequest(parseJsonObject(body), modelName);
  } catch (error) {
    if (error instanceof HttpError) return null;
    throw error;
  }
}

/** Sends a classifier answer as JSON or as an SSE stream. */
function sendClassifierAnswer(response: ServerResponse, chat: ChatCompletionRequest, answer: ClassifierAnswer, headers: Record<string, string>): void {
  const identity = newCompletionIdentity(chat.model);
  const usage = usageFor(chat.messages);
  if (!chat.stream) return sendJson(response, 200, chatCompletion(identity, answer, chat, usage), headers);
  const events = new SseWriter(response, headers);
  for (const chunk of chatCompletionChunks(identity, answer, chat, usage)) events.send(chunk);
  events.done();
}

/** The reader for a classifier student: its top probability (or the margin over the second) is the confidence. */
export function classifierReader(student: Student, prompt: StudentPrompt | null | undefined, modelName: string, prices: Prices, signal: ConfidenceSignal = 'top-probability'): StudentReader {
  const selectInput = templateInputSelector(prompt, student.labels);
  return (body) => {
    const chat = parseForStudent(body, modelName);
    if (chat === null) return null;
    const selected = selectInput(chat);
    if (selected.input.trim() === '') return null;
    const answer = studentAnswer(student, selected.input);
    return {
      input: selected.input,
      label: answer.label,
      answer: answer.label,
      confidence: confidenceOf(answer, signal),
      avoidedUSD: costUSD({ inputTokens: estimateInputTokens(chat.messages), outputTokens: countTextTokens(answer.label) + 1 }, prices),
      send: (response, headers) => sendClassifierAnswer(response, chat, answer, { ...selected.headers, ...headers }),
    };
  };
}

/**
 * Sends a generated answer as a chat completion, or as a stream of it: the answer is made before the
 * route decides, so the stream carries it in one content chunk (all its tokens' logprobs with it).
 */
function sendGeneratedAnswer(response: ServerResponse, chat: ChatCompletionRequest, routing: GenerativeRouting, answer: GenerativeAnswer, promptTokens: number, headers: Record<string, string>): void {
  const identity = newCompletionIdentity(chat.model);
  const rendering: TokenRendering | null = chat.logprobs ? { tokenizer: routing.student.tokenizer, topLogprobs: chat.topLogprobs } : null;
  const choice = { text: answer.generation.text, tokens: answer.generation.logprobs, finishReason: answer.generation.finishReason };
  const usage = generationUsage(promptTokens, [choice]);
  if (!chat.stream) return sendJson(response, 200, generatedChatCompletion(identity, [choice], rendering, usage), headers);
  const events = new SseWriter(response, headers);
  const send = (choiceFields: Record<string, unknown>): void => events.send(generatedChatChunk(identity, 0, choiceFields, chat.includeUsage));
  send({ delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });
  send({ delta: { content: choice.text }, logprobs: rendering === null ? null : { content: chatLogprobEntries(choice.tokens, rendering), refusal: null }, finish_reason: null });
  send({ delta: {}, logprobs: null, finish_reason: choice.finishReason });
  if (chat.includeUsage) events.send(usageChunk(identity, 'chat.completion.chunk', usage));
  events.done();
}

/** The reader for a language-model student: its greedy answer's sequence confidence (0 when invalid). */
export function generativeReader(routing: GenerativeRouting, prompt: StudentPrompt | null | undefined, modelName: string, prices: Prices): StudentReader {
  const selectInput = templateInputSelector(prompt, []);
  return (body) => {
    const chat = parseForStudent(body, modelName);
    if (chat === null) return null;
    const selected = selectInput(chat);
    if (selected.input.trim() === '') return null;
    let answer: GenerativeAnswer;
    try {
      answer = answerWithConfidence(routing, selected.input);
    } catch (error) {
      if (error instanceof LanguageModelError) return null;
      throw error;
    }
    const promptTokens = routing.student.tokenizer.encode(selected.input).length + 2;
    return {
      input: selected.input,
      label: null,
      answer: answer.generation.text,
      confidence: answer.confidence,
      avoidedUSD: costUSD({ inputTokens: estimateInputTokens(chat.messages), outputTokens: countTextTokens(answer.generation.text) + 1 }, prices),
      send: (response, headers) => sendGeneratedAnswer(response, chat, routing, answer, promptTokens, { ...selected.headers, ...headers }),
    };
  };
}
