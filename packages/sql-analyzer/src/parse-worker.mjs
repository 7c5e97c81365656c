// Runs the PostgreSQL parser in a worker thread so that callers can parse synchronously
// before the main thread's WebAssembly module has finished loading (see wasm-parser.ts).
import { loadModule, normalizeSync, parsePlPgSQLSync, parseSync } from 'libpg-query';
import { runAsWorker } from 'synckit';

runAsWorker(
  /**
   * @param {'sql' | 'plpgsql' | 'check'} kind
   * @param {string} text
   */
  async (kind, text) => {
    await loadModule();
    try {
      const result = kind === 'sql' ? parseSync(text) : kind === 'check' ? normalizeSync(text) : parsePlPgSQLSync(text);
      return { ok: true, result };
    } catch (error) {
      const err = /** @type {{ message?: string, sqlDetails?: { cursorPosition?: number } }} */ (error);
      return { ok: false, message: String(err?.message ?? error), cursorPosition: err?.sqlDetails?.cursorPosition };
    }
  },
);
