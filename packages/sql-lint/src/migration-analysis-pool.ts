/**
 * Analyzes migration files on worker threads, each with its own parser. Files are handed out in
 * history order, a few at a time per worker, so the first results arrive early and the model
 * replay (on the calling thread) runs while later files are still being parsed.
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisAnswer, AnalysisRequest } from './migration-analysis-worker.js';

/** Files a worker holds at once: one being analyzed, one waiting, so it never idles between them. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Starts `threads` workers and gives each text's analysis as JSON, in the order of `texts`. A text
 * whose worker fails (it cannot start, crashes or throws) resolves to null: the caller analyzes it
 * on its own thread, where the same input fails or succeeds as it would without workers. The
 * workers end when every text is answered.
 */
export function analyzeOnWorkers(texts: readonly string[], threads: number): Promise<string | null>[] {
  const settle: ((json: string | null) => void)[] = [];
  const results = texts.map((_, i) => new Promise<string | null>((resolve) => (settle[i] = resolve)));
  let next = 0;
  let answered = 0;
  let alive = 0;
  const workers: Worker[] = [];
  const finish = (id: number, json: string | null): void => {
    const resolve = settle[id];
    if (!resolve) return;
    delete settle[id];
    resolve(json);
    if (++answered === texts.length) for (const worker of workers) void worker.terminate();
  };
  const start = (): void => {
    const worker = new Worker(new URL('./migration-analysis-worker.js', import.meta.url));
    const held = new Set<number>();
    const feed = (): void => {
      while (held.size < IN_FLIGHT_PER_WORKER && next < texts.length) {
        const id = next++;
        held.add(id);
        worker.postMessage({ id, text: texts[id] as string } satisfies AnalysisRequest);
      }
    };
    worker.on('message', (answer: AnalysisAnswer) => {
      held.delete(answer.id);
      feed();
      finish(answer.id, 'json' in answer ? answer.json : null);
    });
    // Whatever the worker still held goes back to the caller; the other workers take the rest.
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const id of held) finish(id, null);
      held.clear();
      if (--alive === 0) while (next < texts.length) finish(next++, null);
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
  if (alive === 0) while (next < texts.length) finish(next++, null);
  return results;
}
