import type { Command } from 'commander';
import { loadStudentFile } from '../student/file-format.js';
import type { Student } from '../student/types.js';
import { UsageError } from '../util/errors.js';
import { reportFailure } from './exit-codes.js';
import { parsePositiveInteger } from './options.js';
import { parseFormat, readPredictInputs, type PredictInput } from './predict-inputs.js';
import { resolveStudentPath } from './resolve-student.js';

/** Options of `distillery predict`, as commander hands them over. */
interface PredictOptions {
  top?: string;
  input?: string;
  format: string;
  textField: string;
  idField: string;
  lines?: boolean;
}

/** How many ranked labels to print: --top if given (1 … the student's label count), else up to 3. */
function topCount(value: string | undefined, labelCount: number): number {
  if (value === undefined) return Math.min(3, labelCount);
  const top = parsePositiveInteger(value, '--top');
  if (top > labelCount) throw new UsageError(`--top must be at most ${labelCount}, the number of labels this student has; got ${top}`);
  return top;
}

/** All of stdin as one string. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('reading one text from stdin; end it with Ctrl-D (or pass texts as arguments)\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One output line: the input's id, the label, and the `top` most likely labels with probabilities. */
function predictionLine(student: Student, input: PredictInput, top: number): string {
  const prediction = student.predict(input.text);
  const ranked = Array.from(prediction.probabilities, (probability, index) => ({ label: student.labels[index], probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, top);
  return `${JSON.stringify({ id: input.id, label: prediction.label, top: ranked })}\n`;
}

/** `distillery predict <student> [text...]`: one JSON line per text, from arguments, a file or stdin. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .argument('<student>', 'student file (.dstl), project folder, or task file')
    .argument('[text...]', 'texts to label, one prediction each (quote each text); without them, stdin is read as one text')
    .description('label texts with a student; prints one JSON object per text: {"id", "label", "top"}')
    .option('--input <file>', 'label every row of a JSONL, CSV or text file (one text per line)')
    .option('--format <format>', 'format of --input: auto (.jsonl, .csv, .txt by extension; any other file is one text), jsonl, csv, text', 'auto')
    .option('--text-field <name>', 'field (JSONL) or column (CSV) holding the text', 'text')
    .option('--id-field <name>', 'field or column echoed as "id"; a row without it gets its line number', 'id')
    .option('--lines', 'read stdin as one text per line (blank lines skipped) instead of one text')
    .option('--top <k>', 'include the k most likely labels with probabilities (1 to the label count; default 3)')
    .addHelpText('after', `
Each output line carries an "id": the text's index among the arguments (from 0), the record's
--id-field value (or its line number) for --input, the line number with --lines, 0 for stdin.
An empty text is an error (exit 2), never a prediction; so is a student that does not exist yet.

Examples:
  $ distillery predict task.yaml "I was charged twice" "the app crashes on start"
  $ distillery predict .distillery/tickets/student.dstl --input tickets.jsonl --id-field ticket_id
  $ distillery predict student.dstl --input tickets.csv --text-field body --top 2
  $ distillery predict student.dstl < src/main.py              # the whole file is one text
  $ cut -f2 titles.tsv | distillery predict student.dstl --lines

Exit codes: 0 done; 2 invalid input, flag or student file (nothing is printed on stdout).`)
    .action(async (target: string, texts: string[], options: PredictOptions) => {
      try {
        const student = loadStudentFile(await resolveStudentPath(target));
        const top = topCount(options.top, student.labels.length);
        const inputs = await readPredictInputs({
          texts,
          ...(options.input === undefined ? {} : { input: options.input }),
          format: parseFormat(options.format),
          textField: options.textField,
          idField: options.idField,
          lines: options.lines === true,
          readStdin,
        });
        // Every text is checked before the first line is printed, so a bad input never leaves half an output.
        for (const input of inputs) process.stdout.write(predictionLine(student, input, top));
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}
