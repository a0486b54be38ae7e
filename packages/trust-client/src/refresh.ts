/**
 * What the whitelist and CRL caches share: refreshing on a timer, one fetch at a time, and
 * reading an HTTP answer with a size limit.
 */

export interface RefreshLoopOptions {
  intervalMs: number;
  /** One refresh: true when the copy in use is current, false when the old one was kept. */
  refreshOnce: () => Promise<boolean>;
  /** A refresh that threw instead of reporting its failure. */
  onCrash: (err: unknown) => void;
}

export class RefreshLoop {
  readonly #options: RefreshLoopOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight: Promise<boolean> | undefined;

  constructor(options: RefreshLoopOptions) {
    this.#options = options;
  }

  /** Loads the disk copy, refreshes once, then keeps refreshing in the background. */
  async start(loadDiskCopy: () => Promise<void>): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await loadDiskCopy();
    await this.refresh();
    this.#schedule();
  }

  /**
   * Stops the timer and waits for a fetch under way: it may still be writing the disk copy, and
   * whoever stops us may remove that directory next.
   */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight?.catch(() => {});
  }

  /** Fetches now, or joins the fetch under way. */
  refresh(): Promise<boolean> {
    this.#inFlight ??= this.#options.refreshOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.refresh()
        .catch((err: unknown) => this.#options.onCrash(err))
        .finally(() => this.#schedule());
    }, this.#options.intervalMs);
    // The cache serves a process; it must not be what keeps it alive.
    this.#timer.unref();
  }
}

/** The body of an answer, failing (and cancelling the rest) past `max` bytes. */
export async function readLimited(res: Response, max: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > max) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`more than the ${max} bytes accepted`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function fetchErrorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    // fetch() reports every network failure as "fetch failed"; the cause says which.
    if (err.message === 'fetch failed' && cause instanceof Error)
      return cause.message || (cause as NodeJS.ErrnoException).code || err.message;
    if (err.name === 'TimeoutError') return 'no answer in time';
    return err.message;
  }
  return String(err);
}
