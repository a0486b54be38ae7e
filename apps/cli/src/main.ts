import { describeError, loadClientEnvironment, MssError } from '@mss/runtime';
import { dispatch } from './cli.ts';
import { ROOT } from './root.ts';

async function main(): Promise<void> {
  try {
    process.exitCode = await dispatch(ROOT, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
  } catch (err) {
    // A user-facing error is one line; anything else is a bug, shown in full only on request.
    process.stderr.write(`mss: ${describeError(err)}\n`);
    if (loadClientEnvironment().debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof MssError ? err.exitCode : 70;
  }
}

await main();
