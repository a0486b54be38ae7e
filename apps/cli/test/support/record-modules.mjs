// Preloaded with `node --import` by serve.e2e.test.ts: writes the URL of every module the process
// loads to the file named by MSS_RECORD_MODULES, so the test can say what `mss serve` loaded.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.MSS_RECORD_MODULES;
if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      appendFileSync(out, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
