/**
 * Pairwise judging of the student against the teacher by a judge model, after MT-Bench's pairwise
 * judge (Zheng et al. 2023, "Judging LLM-as-a-Judge"): the judge sees the question and two answers,
 * explains briefly, and ends with `[[A]]`, `[[B]]` or `[[C]]` (tie).
 *
 * Position bias: every pair is judged twice, student as A then teacher as A. The rule, from the
 * student's side: a **win** only when both orders prefer the student, a **loss** only when both
 * prefer the teacher, a **tie** when either order says tie or the two orders disagree (a judge that
 * always answers A therefore scores all ties, never wins). A pair where either verdict cannot be read
 * is **unparseable**: counted on its own and left out of the win/tie/loss rates. A pair whose two
 * answers are the same text (after trimming) is a tie without asking: there is nothing to prefer.
 *
 * The judge is reached through an injected `JudgeCall`, so the caller supplies cache and budget; a
 * store-backed default is in judge-call.ts.
 */
import type { ChatMessage } from '../teacher/types.js';

/** What a judge call answers: the judge's text and what the call cost (0 when it came from a cache). */
export interface JudgeReply {
  text: string;
  costUSD: number;
}

/** Which example a judge call is about, for callers that journal calls per input. */
export interface JudgeCallContext {
  inputId?: string;
}

/** Sends one judge request; the caller decides how (cache, budget, retries). */
export type JudgeCall = (messages: ChatMessage[], context: JudgeCallContext) => Promise<JudgeReply>;

/** One example to judge. */
export interface JudgePair {
  input: string;
  teacher: string;
  student: string;
  /** The store's id of the input, passed on to the judge call. */
  inputId?: string;
}

/** A verdict read from one judgement. */
export type Verdict = 'A' | 'B' | 'tie' | 'unparseable';

/** The outcome of a pair for the student. */
export type PairOutcome = 'win' | 'tie' | 'loss' | 'unparseable';

/** A judged pair with both orders' verdicts. */
export interface JudgedPair {
  index: number;
  outcome: PairOutcome;
  /** Verdict with the student as assistant A. */
  studentFirst: Verdict;
  /** Verdict with the teacher as assistant A. */
  teacherFirst: Verdict;
}

/** Mean length of a set of answers. */
export interface AnswerLengths {
  meanCharacters: number;
  meanWords: number;
}

/** The judge's figures over a test set. */
export interface JudgeSummary {
  pairs: number;
  wins: number;
  ties: number;
  losses: number;
  unparseable: number;
  /** Shares of the parseable pairs (0 when there are none). */
  winRate: number;
  tieRate: number;
  lossRate: number;
  /** Judge calls made (two per pair whose answers differ) and what they cost. */
  calls: number;
  costUSD: number;
  /** Judges prefer longer answers; the lengths sit beside the verdicts so a reader can tell. */
  lengths: { student: AnswerLengths; teacher: AnswerLengths };
  judged: JudgedPair[];
}

const JUDGE_SYSTEM_PROMPT = [
  'You are an impartial judge. Compare the answers of two AI assistants, A and B, to the user question shown below,',
  'and decide which one follows the instructions and answers the question better: consider helpfulness, relevance,',
  'accuracy, depth and level of detail. Start with a short explanation comparing the two answers.',
  'Do not let the order in which the answers appear, their length, or the assistants\' names influence you; be as objective as possible.',
  'After your explanation, give your final verdict in exactly this format: "[[A]]" if assistant A is better,',
  '"[[B]]" if assistant B is better, "[[C]]" for a tie.',
].join(' ');

/** The MT-Bench-style pairwise prompt for one question and two answers. */
export function judgeMessages(question: string, answerA: string, answerB: string): ChatMessage[] {
  const user = `[User Question]\n${question}\n\n[The Start of Assistant A's Answer]\n${answerA}\n[The End of Assistant A's Answer]\n\n`
    + `[The Start of Assistant B's Answer]\n${answerB}\n[The End of Assistant B's Answer]`;
  return [{ role: 'system', content: JUDGE_SYSTEM_PROMPT }, { role: 'user', content: user }];
}

/** A verdict token: [[A]], [[B]], [[C]] or [[tie]], any case, spaces inside allowed. */
const VERDICT_TOKEN = /\[\[\s*(A|B|C|tie)\s*\]\]/gi;

/**
 * Reads the final verdict: the last verdict token in the text (an explanation may quote the format
 * before the verdict). No token at all is 'unparseable'; guessing from prose would invent verdicts.
 */
export function parseVerdict(text: string): Verdict {
  let last: string | undefined;
  for (const match of text.matchAll(VERDICT_TOKEN)) last = match[1]?.toUpperCase();
  if (last === 'A' || last === 'B') return last;
  if (last === 'C' || last === 'TIE') return 'tie';
  return 'unparseable';
}

/** Who a verdict prefers, given which assistant the student was. */
function preference(verdict: Verdict, studentIs: 'A' | 'B'): 'student' | 'teacher' | 'tie' | 'unparseable' {
  if (verdict === 'tie' || verdict === 'unparseable') return verdict;
  return verdict === studentIs ? 'student' : 'teacher';
}

/** Combines the two orders' verdicts into the pair's outcome (the rule in the file comment). */
export function combineVerdicts(studentFirst: Verdict, teacherFirst: Verdict): PairOutcome {
  const first = preference(studentFirst, 'A');
  const second = preference(teacherFirst, 'B');
  if (first === 'unparseable' || second === 'unparseable') return 'unparseable';
  if (first === 'student' && second === 'student') return 'win';
  if (first === 'teacher' && second === 'teacher') return 'loss';
  return 'tie';
}

/** Words of a text: runs of non-whitespace. */
function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/u).length;
}

/** Mean characters (code points) and words of answers. */
export function answerLengths(answers: readonly string[]): AnswerLengths {
  if (answers.length === 0) return { meanCharacters: 0, meanWords: 0 };
  let characters = 0;
  let words = 0;
  for (const answer of answers) {
    characters += Array.from(answer).length;
    words += wordCount(answer);
  }
  return { meanCharacters: characters / answers.length, meanWords: words / answers.length };
}

/** How judging runs. */
export interface JudgeOptions {
  /** Pairs judged at once (default 4); each pair's two orders are sent one after the other. */
  concurrency?: number;
}

/** Judges one pair in both orders. */
async function judgeOne(pair: JudgePair, index: number, call: JudgeCall): Promise<{ judged: JudgedPair; costUSD: number; calls: number }> {
  if (pair.student.trim() === pair.teacher.trim()) return { judged: { index, outcome: 'tie', studentFirst: 'tie', teacherFirst: 'tie' }, costUSD: 0, calls: 0 };
  const context: JudgeCallContext = pair.inputId === undefined ? {} : { inputId: pair.inputId };
  const studentFirst = await call(judgeMessages(pair.input, pair.student, pair.teacher), context);
  const teacherFirst = await call(judgeMessages(pair.input, pair.teacher, pair.student), context);
  const verdicts = { studentFirst: parseVerdict(studentFirst.text), teacherFirst: parseVerdict(teacherFirst.text) };
  return { judged: { index, outcome: combineVerdicts(verdicts.studentFirst, verdicts.teacherFirst), ...verdicts }, costUSD: studentFirst.costUSD + teacherFirst.costUSD, calls: 2 };
}

/** Tallies judged pairs into the summary. */
export function summariseJudgements(pairs: readonly JudgePair[], judged: readonly JudgedPair[], spending: { calls: number; costUSD: number }): JudgeSummary {
  const count = (outcome: PairOutcome): number => judged.filter((entry) => entry.outcome === outcome).length;
  const [wins, ties, losses, unparseable] = [count('win'), count('tie'), count('loss'), count('unparseable')];
  const parseable = wins + ties + losses;
  const share = (value: number): number => (parseable === 0 ? 0 : value / parseable);
  return {
    pairs: judged.length, wins, ties, losses, unparseable,
    winRate: share(wins), tieRate: share(ties), lossRate: share(losses),
    calls: spending.calls, costUSD: spending.costUSD,
    lengths: { student: answerLengths(pairs.map((pair) => pair.student)), teacher: answerLengths(pairs.map((pair) => pair.teacher)) },
    judged: [...judged].sort((a, b) => a.index - b.index),
  };
}

/**
 * Judges every pair in both orders through `call`. An error from `call` (the budget is spent, the
 * judge is down) stops judging and is rethrown once the pairs in flight settle; answers already
 * cached by the caller make a rerun cheap.
 */
export async function judgePairs(pairs: readonly JudgePair[], call: JudgeCall, options: JudgeOptions = {}): Promise<JudgeSummary> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const judged: JudgedPair[] = [];
  const spending = { calls: 0, costUSD: 0 };
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < pairs.length) {
      const index = next++;
      try {
        const result = await judgeOne(pairs[index] as JudgePair, index, call);
        judged.push(result.judged);
        spending.costUSD += result.costUSD;
        spending.calls += result.calls;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pairs.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return summariseJudgements(pairs, judged, spending);
}
