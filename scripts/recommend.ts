/**
 * `npm run recommend -- --ratings FILE --format FMT --k 10 --out recs.tsv [--mood M]`
 * See src/ml/recommend-cli.ts (and `--help`). Exit codes: 0 ok, 1 failure, 2 bad arguments.
 */
import { runRecommendCli } from '../src/ml/recommend-cli.ts';

process.exitCode = await runRecommendCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr.isTTY,
});
