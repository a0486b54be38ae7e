/**
 * Serialises the writers of several processes on one SQLite file (the workers of `mss serve`),
 * supplied by whoever runs those processes: the store knows nothing of how they talk. A
 * transaction awaits `acquire()` before its BEGIN IMMEDIATE and calls the release it got once it
 * has committed or rolled back (before its fsync, which needs no lock).
 *
 * Why: SQLite admits one writer per file. Without a gate, a process that finds the write lock
 * taken sleeps in SQLite's busy handler (1, 2, 5, 10… up to 100 ms, on its event loop) and misses
 * the moment the lock is free; behind a gate it waits without blocking its event loop, its group
 * commit gathers what arrives meanwhile, and the lock passes on in order.
 */
export interface WriteGate {
  acquire(): Promise<() => void>;
}
