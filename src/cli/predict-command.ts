import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadStudentFile } from '../student/file-format.js';
import { reportFailure } from './exit-codes.js';
import { resolveStudentPath } from './resolve-student.js';

/** `distillery predict <student> [text]`: label texts from the command line or stdin (one per line). */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .argument('<student>', 'student file (.dstl), project folder, or task file')
    .argument('[text...]', 'text to label; without it, one text per line is read from stdin')
    .description('label texts with a student; prints one JSON object per text')
    .option('--top <k>', 'include the k most likely labels with probabilities', '3')
    .action(async (target: string, words: string[], options: { top: string }) => {
      try {
        const student = loadStudentFile(await resolveStudentPath(target));
        const top = Math.max(1, Number(options.top));
        const print = (text: string) => {
          const prediction = student.predict(text);
          const ranked = Array.from(prediction.probabilities, (probability, index) => ({ label: student.labels[index], probability }))
            .sort((a, b) => b.probability - a.probability)
            .slice(0, top);
          process.stdout.write(`${JSON.stringify({ label: prediction.label, top: ranked })}\n`);
        };
        if (words.length > 0) {
          print(words.join(' '));
          return;
        }
        for await (const line of createInterface({ input: process.stdin })) if (line.trim() !== '') print(line);
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}
