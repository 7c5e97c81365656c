/**
 * The one place that talks to libpg-query (the PostgreSQL 18 parser compiled to WebAssembly).
 *
 * libpg-query can only instantiate its WebAssembly module asynchronously, but ESLint rules are
 * synchronous and an ESLint plugin may be `require`d from a CommonJS config, where top-level
 * `await` is impossible. So loading starts as soon as this module is imported, and until it has
 * finished, parse calls are answered synchronously by a worker thread (through synckit's
 * `Atomics.wait` bridge) that holds its own copy of the parser. After `initAnalyzer()` resolves,
 * every call runs in-thread with no worker involved.
 */
import { loadModule, normalizeSync, parsePlPgSQLSync, parseSync } from 'libpg-query';
import type { ParseResult } from 'libpg-query';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { createSyncFn as CreateSyncFn } from 'synckit';

/**
 * synckit's CommonJS build: its ES build finds its worker preload from a global `__dirname` when
 * one exists, and `node -e`/`node -p` define one ('.'), so the worker never started there. Loaded
 * on the first parse before the parser is ready: a caller that awaits `initAnalyzer()` never needs
 * it, and loading it costs about 20 ms of start-up.
 */
const createSyncFn = (...args: Parameters<typeof CreateSyncFn>): ReturnType<typeof CreateSyncFn> =>
  (createRequire(import.meta.url)('synckit') as { createSyncFn: typeof CreateSyncFn }).createSyncFn(...args);

/**
 * A parse failure as libpg-query reports it: a message and a 0-based offset, if known. Unlike
 * node locations (bytes), PostgreSQL's error cursor counts characters (code points).
 */
export interface RawParseError {
  message: string;
  cursorPosition: number | undefined;
}

type WorkerAnswer<T> = { ok: true; result: T } | { ok: false; message: string; cursorPosition?: number };

let ready = false;
let loadFailure: unknown;
const loading: Promise<void> = loadModule().then(
  () => {
    ready = true;
  },
  (error: unknown) => {
    loadFailure = error;
  },
);

type ParseKind = 'sql' | 'plpgsql' | 'check';
type WorkerCall = (kind: ParseKind, text: string) => WorkerAnswer<unknown>;
let workerCall: WorkerCall | undefined;

/** How long one parse may wait for the worker (its first answer includes loading the parser). */
const WORKER_TIMEOUT_MS = 30_000;

/**
 * The process's Node options minus those a worker thread refuses or must not repeat: the code of
 * `node -e`/`node -p` and `--input-type` (a worker given them fails to start).
 */
function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (/^(?:-e|--eval|-p|--print|-pe|-ep|--input-type)$/.test(arg)) i++;
    else if (!/^(?:--eval|--print|--input-type)=/.test(arg) && !/^(?:-i|--interactive)$/.test(arg)) kept.push(arg);
  }
  return kept;
}

function callWorker<T>(kind: ParseKind, text: string): WorkerAnswer<T> {
  workerCall ??= createSyncFn(fileURLToPath(new URL('./parse-worker.mjs', import.meta.url)), {
    timeout: WORKER_TIMEOUT_MS,
    execArgv: workerExecArgv(process.execArgv),
  }) as unknown as WorkerCall;
  try {
    return workerCall(kind, text) as WorkerAnswer<T>;
  } catch (error) {
    throw new Error(
      `parsing before the SQL parser has loaded needs a worker thread, which failed or did not answer within ${WORKER_TIMEOUT_MS / 1000} s ` +
        `(${(error as Error).message}); call \`await initAnalyzer()\` once before parsing, so that parsing runs in this thread`,
      { cause: error },
    );
  }
}

/** Resolves once the parser runs in this thread; rejects if the WebAssembly module cannot load. */
export async function initAnalyzer(): Promise<void> {
  await loading;
  if (loadFailure !== undefined) throw loadFailure;
}

/** Whether parsing already runs in this thread (no worker round trip). */
export function isAnalyzerReady(): boolean {
  return ready;
}

function asRawError(error: unknown): RawParseError {
  const err = error as { message?: unknown; sqlDetails?: { cursorPosition?: number } };
  return { message: String(err?.message ?? error), cursorPosition: err?.sqlDetails?.cursorPosition };
}

function run<T>(kind: ParseKind, text: string, parseHere: (text: string) => T): T | RawParseError {
  if (ready) {
    try {
      return parseHere(text);
    } catch (error) {
      return asRawError(error);
    }
  }
  const answer = callWorker<T>(kind, text);
  return answer.ok ? answer.result : { message: answer.message, cursorPosition: answer.cursorPosition };
}

/** Parses SQL text into PostgreSQL's raw parse tree (JSON form). Never throws for bad SQL. */
export function parseRaw(text: string): ParseResult | RawParseError {
  return run('sql', text, parseSync);
}

/**
 * Checks SQL text for syntax errors without building a tree: PostgreSQL's parser runs in full,
 * but only libpg-query's normalize output (a string) crosses into JavaScript, which costs a
 * fraction of the JSON tree. Never throws for bad SQL.
 */
export function checkSyntaxRaw(text: string): true | RawParseError {
  const checked = run('check', text, normalizeSync);
  if (isRawParseError(checked)) return checked;
  // libpg-query's normalize answers a lexer error (an unterminated quote) with the error message
  // as its result instead of failing; valid SQL normalizes to itself with constants replaced.
  return isLexerErrorMessage(checked) ? { message: checked, cursorPosition: undefined } : true;
}

const LEXER_ERROR = /^(?:unterminated |zero-length delimited identifier|unsafe use of |invalid |trailing junk after )[^]* at (?:or near "[^]*"|end of input)$/;

function isLexerErrorMessage(normalized: string): boolean {
  return LEXER_ERROR.test(normalized);
}

/** Parses a `CREATE FUNCTION … LANGUAGE plpgsql` or `DO` statement's PL/pgSQL body. */
export function parsePlPgSqlRaw(text: string): PlPgSqlParseResult | RawParseError {
  return run('plpgsql', text, parsePlPgSQLSync as unknown as (text: string) => PlPgSqlParseResult);
}

/** Tells a parse failure apart from a result. */
export function isRawParseError(value: unknown): value is RawParseError {
  return typeof value === 'object' && value !== null && 'message' in value && 'cursorPosition' in value;
}

/** The JSON form of `parsePlPgSQL`: one entry per function or DO block in the text. */
export interface PlPgSqlParseResult {
  plpgsql_funcs: Array<{ PLpgSQL_function: Record<string, unknown> }>;
}
