/**
 * Everything the benchmark starts (servers, processes, temporary folders) registers how to undo
 * it here, so a normal end, an error and Ctrl-C all leave the machine as they found it.
 */
type Undo = () => Promise<unknown> | unknown;

/** How long one undo step may take before the benchmark gives up on it and moves on. */
const STEP_TIMEOUT_MS = 15_000;

export class Cleanup {
  readonly #steps: { label: string; undo: Undo }[] = [];
  readonly #starting = new Set<Promise<unknown>>();
  /** Set on Ctrl-C: what fails afterwards fails because its servers are going away. */
  interrupted = false;

  /**
   * Awaits something being started and registers its undo step once it is up. Until then a
   * cleanup waits for it, so a server that finishes starting during Ctrl-C is still stopped.
   */
  async started<T>(label: string, starting: Promise<T>, undo: (value: T) => Promise<unknown> | unknown): Promise<T> {
    const registered = starting.then((value) => {
      this.add(label, () => undo(value));
      return value;
    });
    this.#starting.add(registered);
    try {
      return await registered;
    } finally {
      this.#starting.delete(registered);
    }
  }

  /** Registers an undo step; the returned function runs it now (once) and forgets it. */
  add(label: string, undo: Undo): () => Promise<void> {
    const step = { label, undo };
    this.#steps.push(step);
    return async () => {
      const index = this.#steps.indexOf(step);
      if (index === -1) return;
      this.#steps.splice(index, 1);
      await runStep(step);
    };
  }

  /** Undoes every step still registered, newest first; a failing step does not stop the others. */
  async runAll(): Promise<void> {
    await runStep({ label: 'waiting for what is still starting', undo: () => Promise.allSettled([...this.#starting]) });
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      if (step) await runStep(step);
    }
  }
}

async function runStep(step: { label: string; undo: Undo }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(step.undo),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`gave up after ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    process.stderr.write(`cleanup: ${step.label}: ${(error as Error).message}\n`);
  } finally {
    clearTimeout(timer);
  }
}

/** On Ctrl-C or SIGTERM: undo everything, then exit with the signal's conventional code. */
export function cleanUpOnSignals(cleanup: Cleanup): void {
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (cleanup.interrupted) return;
    cleanup.interrupted = true;
    process.stderr.write(`\n${signal}: stopping what the benchmark started…\n`);
    void cleanup.runAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
}

/** Runs a benchmark's `main`, cleaning up after it, after Ctrl-C, and after an error (exit code 1). */
export async function runBenchmark(main: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  cleanUpOnSignals(cleanup);
  try {
    await main(cleanup);
    await cleanup.runAll();
  } catch (error) {
    // After Ctrl-C the signal handler cleans up and exits; the error is only its echo.
    if (cleanup.interrupted) await new Promise(() => {});
    process.stderr.write(`\nThe benchmark stopped: ${(error as Error).stack ?? error}\n`);
    await cleanup.runAll();
    process.exit(1);
  }
}
