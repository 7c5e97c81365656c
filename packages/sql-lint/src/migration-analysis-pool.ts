/**
 * Analyzes migration files on worker threads, each with its own parser, while the calling thread
 * takes its share: texts are handed out in history order from one queue, a few at a time to each
 * worker and one at a time to the caller (`take`), so the first results arrive early, the model
 * replay (on the calling thread) runs while later files are still being parsed, and the calling
 * thread parses instead of waiting whenever the file it needs is still on a worker.
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisAnswer, AnalysisRequest } from './migration-analysis-worker.js';

/** Files a worker holds at once: one being analyzed, one waiting, so it never idles between them. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Where a text is: not handed out yet, with a worker (`answer` settles when it answers), answered
 * (JSON, or null when its worker failed), or with the caller (taken, or its answer read).
 */
export type TextState = { at: 'queued' } | { at: 'worker'; answer: Promise<unknown> } | { at: 'answered'; json: string | null } | { at: 'caller' };

/** Texts shared out between workers and the calling thread. */
export interface AnalysisQueue {
  /** Where text `index` is now. */
  state(index: number): TextState;
  /** Hands the first text not handed out yet to the caller, which analyzes it itself; undefined when none is left. */
  take(): number | undefined;
  /** Hands text `index` (still queued) to the caller. */
  takeAt(index: number): void;
  /** The answer of text `index` (answered): its analysis as JSON, or null when its worker failed; the queue lets go of it. */
  read(index: number): string | null;
}

/**
 * Starts `threads` workers over `texts`. A text whose worker fails (it cannot start, crashes or
 * throws) is answered null: the caller analyzes it on its own thread, where the same input fails
 * or succeeds as it would without workers. The workers end when no text is left for them.
 */
export function analyzeOnWorkers(texts: readonly string[], threads: number): AnalysisQueue {
  const states: TextState[] = texts.map(() => ({ at: 'queued' }));
  const settle = new Map<number, () => void>();
  let next = 0;
  let alive = 0;
  const workers: Worker[] = [];
  const skipTaken = (): void => {
    while (next < texts.length && states[next]?.at !== 'queued') next++;
  };
  const finish = (id: number, json: string | null): void => {
    const resolve = settle.get(id);
    if (!resolve) return;
    settle.delete(id);
    states[id] = { at: 'answered', json };
    resolve();
  };
  const stopAll = (): void => {
    skipTaken();
    if (next >= texts.length && settle.size === 0) for (const worker of workers) void worker.terminate();
  };
  const start = (): void => {
    const worker = new Worker(new URL('./migration-analysis-worker.js', import.meta.url));
    const held = new Set<number>();
    const feed = (): void => {
      for (skipTaken(); held.size < IN_FLIGHT_PER_WORKER && next < texts.length; skipTaken()) {
        const id = next++;
        held.add(id);
        states[id] = { at: 'worker', answer: new Promise<void>((resolve) => settle.set(id, resolve)) };
        worker.postMessage({ id, text: texts[id] as string } satisfies AnalysisRequest);
      }
    };
    worker.on('message', (answer: AnalysisAnswer) => {
      held.delete(answer.id);
      feed();
      finish(answer.id, 'json' in answer ? answer.json : null);
      stopAll();
    });
    // Whatever the worker still held goes back to the caller; the other workers and the caller take the rest.
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const id of held) finish(id, null);
      held.clear();
      alive--;
    };
    worker.on('error', stop);
    worker.on('exit', stop);
    alive++;
    workers.push(worker);
    feed();
  };
  for (let i = 0; i < Math.min(threads, texts.length); i++) {
    try {
      start();
    } catch {
      // A worker that cannot even be created (no threads allowed) is one fewer; with none, the caller analyzes everything.
    }
  }
  return {
    state: (index) => states[index] as TextState,
    take() {
      skipTaken();
      if (next >= texts.length) return undefined;
      states[next] = { at: 'caller' };
      const index = next++;
      if (alive > 0) stopAll();
      return index;
    },
    takeAt(index) {
      if (states[index]?.at !== 'queued') throw new Error(`text ${index} is not queued`);
      states[index] = { at: 'caller' };
      if (alive > 0) stopAll();
    },
    read(index) {
      const state = states[index];
      if (state?.at !== 'answered') throw new Error(`text ${index} is not answered`);
      states[index] = { at: 'caller' };
      return state.json;
    },
  };
}
