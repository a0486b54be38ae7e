import { describeError, loadClientEnvironment, MssError } from '@mss/runtime';
import { dispatch, type Command } from './cli.ts';

/**
 * `mss serve` runs an operator in production: only its command is loaded, so that nothing of the
 * stand-ins (which every other command's module graph reaches) is in the process. Tested in
 * apps/cli/test/serve.e2e.test.ts.
 */
async function rootFor(argv: readonly string[]): Promise<Command> {
  if (argv[0] === 'serve') {
    const { serveCommand } = await import('./commands/serve.ts');
    return { name: 'mss', summary: 'mss-operator', subcommands: [serveCommand] };
  }
  return (await import('./root.ts')).ROOT;
}

async function main(): Promise<void> {
  try {
    const argv = process.argv.slice(2);
    process.exitCode = await dispatch(await rootFor(argv), argv, { stdout: process.stdout, stderr: process.stderr });
  } catch (err) {
    // A user-facing error is one line; anything else is a bug, shown in full only on request.
    process.stderr.write(`mss: ${describeError(err)}\n`);
    if (loadClientEnvironment().debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof MssError ? err.exitCode : 70;
  }
}

await main();
