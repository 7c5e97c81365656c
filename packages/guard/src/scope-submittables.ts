import type pg from 'pg';

/** What node-postgres calls on a Submittable (Query, pg-cursor, pg-query-stream) as its messages arrive. */
interface SubmittableHooks {
  handleReadyForQuery?: (...args: unknown[]) => unknown;
  handleError?: (...args: unknown[]) => unknown;
  close?: (callback?: (error?: Error) => void) => unknown;
  destroy?: (error?: Error) => unknown;
  callback?: unknown;
}

export function isSubmittable(config: unknown): config is pg.Submittable {
  return typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit === 'function';
}

/**
 * Answers a refused Submittable the way node-postgres answers one it cannot send: through the
 * object's own `handleError` (a callback, an `error` event, a rejected `read()`), on the next
 * tick, and returns the object itself, as `client.query(submittable)` does.
 */
export function refuseSubmittable<S extends pg.Submittable>(submittable: S, error: Error, callback: unknown): S {
  const hooks = submittable as unknown as SubmittableHooks;
  if (typeof callback === 'function' && typeof hooks.callback !== 'function') hooks.callback = callback;
  process.nextTick(() => hooks.handleError?.(error, undefined));
  return submittable;
}

/**
 * Calls `done` once, when the Submittable has finished on the connection (its ReadyForQuery, or
 * its error: node-postgres hands each to the object itself).
 */
export function whenSubmittableDone(submittable: pg.Submittable, done: () => void): void {
  const hooks = submittable as unknown as SubmittableHooks;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done();
  };
  for (const name of ['handleReadyForQuery', 'handleError'] as const) {
    const original = hooks[name];
    if (typeof original !== 'function') continue;
    hooks[name] = function (this: unknown, ...args: unknown[]): unknown {
      try {
        return original.apply(this, args);
      } finally {
        finish();
      }
    };
  }
}

/** Closes a cursor or stream that fn left open (best effort: the connection is destroyed anyway). */
export function closeSubmittable(submittable: pg.Submittable): void {
  const hooks = submittable as unknown as SubmittableHooks;
  try {
    if (typeof hooks.destroy === 'function') hooks.destroy();
    else if (typeof hooks.close === 'function') void Promise.resolve(hooks.close(() => undefined)).catch(() => undefined);
  } catch {
    // The connection is destroyed right after; a close that fails changes nothing.
  }
}
