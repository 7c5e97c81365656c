import type pg from 'pg';

/** Where a call on the guarded pool happens, as the scope sees it. */
export type PoolCallPlace =
  | { kind: 'tenant'; client: pg.PoolClient }
  | { kind: 'without-tenant'; client: pg.PoolClient }
  | { kind: 'unscoped' };

/** What the guarded pool asks its scope. */
export interface PoolGuard {
  place(): PoolCallPlace;
  /** Reports an unscoped call; returns the error to fail it with (`throw` mode), else undefined. */
  unscoped(what: 'query' | 'connect', sql: string | undefined, callSite: Error): Error | undefined;
}

type Callback = (error: Error | null, ...results: unknown[]) => void;

const rawPools = new WeakMap<object, pg.Pool>();

/** The pool behind a guarded pool (or the pool itself). */
export function rawPool(pool: pg.Pool): pg.Pool {
  return rawPools.get(pool) ?? pool;
}

/**
 * The pool applications should use: inside `withTenant` its `query()` and `connect()` run on the
 * tenant transaction's connection, inside `withoutTenant` on that scope's connection; anywhere
 * else they are `unscoped-query` violations. Everything else is the pool's own.
 */
export function guardPool(pool: pg.Pool, guard: PoolGuard): pg.Pool {
  const query = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    const place = guard.place();
    const args = [config, values, callback].filter((arg) => arg !== undefined) as Parameters<pg.Pool['query']>;
    if (place.kind !== 'unscoped') return (place.client.query as (...a: unknown[]) => unknown)(...args);
    if (place.kind === 'unscoped') {
      const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
      const refusal = guard.unscoped('query', typeof text === 'string' ? text : undefined, new Error());
      if (refusal) return fail(refusal, [values, callback]);
    }
    return (pool.query as (...a: unknown[]) => unknown).apply(pool, args);
  };
  const connect = (callback?: unknown): unknown => {
    const place = guard.place();
    if (place.kind !== 'unscoped') {
      if (typeof callback === 'function') {
        (callback as Callback)(null, place.client, () => undefined);
        return undefined;
      }
      return Promise.resolve(place.client);
    }
    if (place.kind === 'unscoped') {
      const refusal = guard.unscoped('connect', undefined, new Error());
      if (refusal) return fail(refusal, [callback]);
    }
    return (pool.connect as (...a: unknown[]) => unknown).apply(pool, callback === undefined ? [] : [callback]);
  };
  const guarded = new Proxy(pool, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'connect') return connect;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  rawPools.set(guarded, pool);
  return guarded;
}

function fail(error: Error, trailing: unknown[]): unknown {
  const callback = trailing.find((arg): arg is Callback => typeof arg === 'function');
  if (callback) {
    process.nextTick(() => callback(error));
    return undefined;
  }
  return Promise.reject(error);
}
