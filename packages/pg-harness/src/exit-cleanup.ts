const cleanups = new Set<() => void>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

/**
 * Registers a synchronous cleanup (kill a child process, remove a temp dir) that runs when the
 * process exits or is stopped by SIGINT, SIGTERM or SIGHUP without the owner having cleaned up.
 * Returns a function that unregisters it, for when the owner cleaned up itself.
 *
 * Signals matter because test runners stop their workers with SIGTERM, and Node's default action
 * for it skips the 'exit' event.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runCleanups);
    for (const signal of signals) process.once(signal, onSignal);
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not keep the others from running.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  // If nobody else handles the signal, re-raise it so the process still dies the default way.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
