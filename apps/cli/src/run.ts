import { describeError, loadClientEnvironment, MssError } from '@mss/runtime';
import { dispatch } from './cli.ts';
import { ROOT } from './root.ts';

export interface MssOutput {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Runs one `mss` command line; the exit status. What main.ts does for the process, and tests do in one. */
export async function runMss(argv: string[], output: MssOutput): Promise<number> {
  try {
    return await dispatch(ROOT, argv, output);
  } catch (err) {
    // A user-facing error is one line; anything else is a bug, shown in full only on request.
    output.stderr.write(`mss: ${describeError(err)}\n`);
    if (loadClientEnvironment().debug && err instanceof Error) output.stderr.write(`${err.stack}\n`);
    return err instanceof MssError ? err.exitCode : 70;
  }
}
