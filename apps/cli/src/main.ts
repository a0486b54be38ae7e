import { runMss } from './run.ts';

process.exitCode = await runMss(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
