/** Entry point of a job's runner process: `node runner.js <store> <job-name>`. */
import { runTrainingJob } from './runner';

const [storeRoot, jobName] = process.argv.slice(2);
if (!storeRoot || !jobName) {
  process.stderr.write('usage: runner.js <store-dir> <training-job-name>\n');
  process.exit(2);
}
runTrainingJob(storeRoot, jobName).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
