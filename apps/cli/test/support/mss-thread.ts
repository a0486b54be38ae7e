// The worker thread behind run-mss.ts's `mss()`: runs `mss` command lines one at a time with the
// CLI's own entry point (runMss, what bin/mss.js runs), in an environment of their own, and hands
// back what a process would have printed and its exit status. One thread serves a whole test file,
// so each command costs what it does, not a Node start and the CLI's modules loaded again.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { runMss } from '../../src/run.ts';

export interface MssRequest {
  args: string[];
  /** The whole environment of the command, as a child process would get it. */
  env: Record<string, string | undefined>;
}
export interface MssResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const { replies, done } = workerData as { replies: MessagePort; done: SharedArrayBuffer };
const signal = new Int32Array(done);

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function settle(stream: Writable): Promise<void> {
  if (stream.writableFinished) return;
  if (!stream.writableEnded) stream.end();
  await once(stream, 'finish');
}

let calls = 0;
/** The call being run, if any: its answer, or the crash that ends it, is the one the waiting test reads. */
let running: number | undefined;
function answer(call: number, result: MssResult): void {
  if (running !== call) return;
  running = undefined;
  replies.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

parentPort!.on('message', async ({ args, env }: MssRequest) => {
  const call = ++calls;
  running = call;
  // This thread's process.env is its own copy: the command sees exactly the environment asked for.
  for (const key of Object.keys(process.env)) if (env[key] === undefined) delete process.env[key];
  for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
  const out = collector();
  const err = collector();
  let status: number;
  try {
    status = await runMss(args, { stdout: out.stream as NodeJS.WriteStream, stderr: err.stream as NodeJS.WriteStream });
  } catch (error) {
    err.stream.write(`mss (test thread): ${error instanceof Error ? error.stack : String(error)}\n`);
    status = 70;
  }
  await Promise.all([settle(out.stream), settle(err.stream)]);
  answer(call, { status, stdout: out.text(), stderr: err.text() });
});

// A process would have died of it: say so loudly rather than let the test wait for its timeout.
const crash = (error: unknown) => {
  const text = `mss (test thread): uncaught ${error instanceof Error ? error.stack : String(error)}\n`;
  if (running === undefined) process.stderr.write(text);
  else answer(running, { status: 70, stdout: '', stderr: text });
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
