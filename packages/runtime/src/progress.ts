/**
 * Progress of a long operation. On a terminal it draws one bar that rewrites itself; elsewhere
 * (CI, pipes) it prints a plain line at each tenth so that logs stay readable.
 */
export interface Progress {
  update(done: number): void;
  finish(summary?: string): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  let lastDraw = 0;
  const draw = (done: number): void => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (performance.now() - started) / 1000;
    if (tty) {
      const width = 30;
      const filled = Math.round(ratio * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      stream.write(`\r${label} ${bar} ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total} ${elapsed.toFixed(1)}s`);
    } else {
      stream.write(`${label}: ${(ratio * 100).toFixed(0)}% (${done}/${total}, ${elapsed.toFixed(1)}s)\n`);
    }
  };
  return {
    update(done) {
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 80 && done < total) return;
        lastDraw = now;
        draw(done);
      } else {
        const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (decile === lastDecile) return;
        lastDecile = decile;
        draw(done);
      }
    },
    finish(summary) {
      if (tty) stream.write('\n');
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
