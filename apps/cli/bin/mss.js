#!/usr/bin/env node
// Entry point kept in plain JavaScript so that an old Node gets a clear message instead of a
// syntax error from TypeScript sources.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `mss: Node ${process.versions.node} is too old; this project runs on Node 24 LTS.\n` +
      '     Run it through npm (npx mss, npm start) so that the pinned node from node_modules is used.\n',
  );
  process.exit(1);
}
await import('../src/main.ts');
