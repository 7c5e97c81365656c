/**
 * Where each file's analysis comes from in a run: the on-disk cache when it has the text, else
 * worker threads when enough text is left to pay for starting them, else this thread, which also
 * parses the next file itself whenever the one it needs is still on a worker. Every source gives
 * the same plain data, so the findings do not depend on which one answered.
 */
import { availableParallelism } from 'node:os';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { analyzeMigration } from './migration-analysis.js';
import type { MigrationAnalysis } from './migration-analysis.js';
import { openMigrationAnalysisCache } from './migration-analysis-cache.js';
import { analyzeOnWorkers } from './migration-analysis-pool.js';
import type { AnalysisQueue } from './migration-analysis-pool.js';

/** How a run analyzes its files. */
export interface AnalysisOptions {
  /**
   * Worker threads that parse: a number, `off` (this thread only), or `auto` (the default): as
   * many as `os.availableParallelism()`, when there is enough SQL to pay for starting them.
   */
  concurrency?: number | 'auto' | 'off';
  /** A directory for the on-disk cache; without it nothing is read or written. */
  cacheLocation?: string;
}

/**
 * Text (UTF-16 code units) below which `auto` analyzes on this thread. Each worker loads its own
 * parser and warms it up (about 0.15 s of CPU), and every tree it sends back is serialized and
 * parsed again, while the replay and the rules stay on the main thread. On an idle two-CPU machine
 * (bench/sql-lint.bench.mjs, 2026-11-28) workers lost at 10,000 and 50,000 statements (about 1.3 and
 * 6.5 MB: 1.22 s against 1.08 s, 2.63 s against 2.26 s) and won at 200,000 (about 26 MB: 7.09 s
 * against 7.89 s), so `auto` starts them from 16 MB.
 */
export const PARALLEL_THRESHOLD = 16 * 1024 * 1024;

/** The analyses of a run's files, and the end of the run. */
export interface MigrationAnalyses {
  /** The analysis of the file at `index`: call it once for each index, in order. */
  analysisOf(index: number): Promise<MigrationAnalysis>;
  /** Called once every analysis is read: removes cache entries no longer used (see `prune`). */
  done(): void;
  /** How many analyses came from each source so far. */
  readonly sources: { cache: number; workers: number; here: number };
}

/**
 * The analyses of `texts`. Workers answer as soon as they can, and their JSON is parsed when asked
 * for; cached analyses and the others are read or made when asked for. So a caller replaying file
 * by file holds the trees of one file at a time, not of the whole history. With `readCache` false,
 * every file is analyzed and its entry written again.
 */
export function analyzeMigrations(texts: readonly string[], options: AnalysisOptions = {}, readCache = true): MigrationAnalyses {
  const cache = options.cacheLocation === undefined ? null : openMigrationAnalysisCache(options.cacheLocation);
  const keys = cache ? texts.map((text) => cache.keyOf(text)) : [];
  const stored = (readCache ? cache?.keys() : undefined) ?? new Set<string>();
  const sources = { cache: 0, workers: 0, here: 0 };
  // The parser is awaited when a file is first parsed here, so that reading files and cache entries
  // runs while its WebAssembly compiles.
  const here = async (i: number): Promise<MigrationAnalysis> => {
    await initAnalyzer();
    sources.here++;
    const analysis = analyzeMigration(texts[i] as string);
    cache?.write(keys[i] as string, JSON.stringify(analysis));
    return analysis;
  };
  const missing = texts.flatMap((_, i) => (stored.has(keys[i] as string) ? [] : [i]));
  const missingLength = missing.reduce((sum, i) => sum + (texts[i] as string).length, 0);
  const concurrency = options.concurrency ?? 'auto';
  const threads = concurrency === 'off' ? 0 : concurrency === 'auto' ? (missingLength >= PARALLEL_THRESHOLD ? availableParallelism() : 0) : Math.floor(concurrency);
  const queue = threads >= 1 && missing.length > 0 ? analyzeOnWorkers(missing.map((i) => texts[i] as string), threads) : null;
  // Position in the queue of each text that is not in the cache.
  const queued = new Map(missing.map((i, k) => [i, k]));
  // Analyses this thread made ahead, while the file it needed was still on a worker.
  const madeAhead = new Map<number, MigrationAnalysis>();
  const fromQueue = async (i: number, k: number, pool: AnalysisQueue): Promise<MigrationAnalysis> => {
    for (;;) {
      const ahead = madeAhead.get(i);
      if (ahead) {
        madeAhead.delete(i);
        return ahead;
      }
      const state = pool.state(k);
      if (state.at === 'queued') {
        pool.takeAt(k);
        return here(i);
      }
      if (state.at === 'answered') {
        const json = pool.read(k);
        if (json !== null) cache?.write(keys[i] as string, json);
        // A text no worker could answer is analyzed here, where it fails as it would without workers.
        if (json === null) return here(i);
        sources.workers++;
        return JSON.parse(json) as MigrationAnalysis;
      }
      if (state.at !== 'worker') throw new Error(`the analysis of file ${i} was asked for twice`);
      // The file is on a worker: parse the next one here instead of waiting, then look again.
      const taken = pool.take();
      if (taken === undefined) {
        await state.answer;
        continue;
      }
      const j = missing[taken] as number;
      madeAhead.set(j, await here(j));
      // Lets the workers' answers arrive.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return {
    async analysisOf(i) {
      const k = queued.get(i);
      if (queue && k !== undefined) return fromQueue(i, k, queue);
      // An entry that cannot be read (removed since, corrupt) is analyzed again.
      const entry = stored.has(keys[i] as string) ? cache?.read(keys[i] as string) : undefined;
      if (!entry) return here(i);
      sources.cache++;
      return entry;
    },
    done() {
      cache?.prune(new Set(keys));
    },
    sources,
  };
}
