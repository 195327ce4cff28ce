/**
 * `npm run evaluate -- --ratings FILE --format FMT [--folds 5 --seed 42 …] [--json]`
 * `npm run evaluate -- --ranking [--json]`
 * See src/ml/evaluate.ts (and `--help`). Exit codes: 0 ok, 1 failure, 2 bad arguments.
 */
import { runEvaluateCli } from '../src/ml/evaluate.ts';

process.exitCode = await runEvaluateCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr.isTTY,
});
