import { AsyncLocalStorage } from 'node:async_hooks';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import type pg from 'pg';
import { auditCatalog, type AuditFinding } from './audit.js';
import { guardPool, rawPool, type PoolCallPlace } from './guarded-pool.js';
import {
  contextGucsFrom,
  contextValuesFor,
  resolveAssertionMode,
  type AssertionMode,
  type ContextGuc,
  type TenantScopeOptions,
  type TenantTransactionOptions,
} from './scope-options.js';
import { TenantScopeViolation, userStack, type ViolationCode } from './tenant-scope-violation.js';
import { TenantTransaction } from './tenant-transaction.js';
import { TenantQuery } from './tenant-query.js';
import { type ScopeRuntime } from './scope-connection.js';
import { ArrivalCheck } from './arrival-check.js';

type Frame = { kind: 'tenant'; values: readonly string[]; transaction: TenantTransaction } | { kind: 'without-tenant'; client: pg.PoolClient };

// How many connections that arrive inside an open transaction are discarded before giving up.
const CHECKOUT_ATTEMPTS = 3;

// Stands in for the call site where no violation can reach anyone (assertions off, no onViolation):
// capturing a stack costs several microseconds per transaction on a busy machine.
const CALL_SITE_NOT_CAPTURED = Object.assign(new Error(), { stack: 'Error\n    call site not captured: assertions are off and there is no onViolation' });

/**
 * Tenant context for one node-postgres pool: runs work in transactions that carry the context,
 * checks what that work does (per `assertions`), and hands out a guarded pool.
 */
export class TenantScope<K extends string = string> {
  /** The guarded pool: `query()`/`connect()` outside `withTenant`/`withoutTenant` are `unscoped-query` violations. */
  readonly pool: pg.Pool;
  /** The assertion mode in force. */
  readonly assertions: AssertionMode;
  private readonly raw: pg.Pool;
  private readonly gucs: readonly ContextGuc[];
  private readonly runtime: ScopeRuntime;
  private readonly frames = new AsyncLocalStorage<Frame>();
  private readonly options: TenantScopeOptions<K>;
  /** Whether a violation can reach anyone (a log line or onViolation), so call sites are worth their stack. */
  private readonly capturesCallSites: boolean;

  constructor(pool: pg.Pool, options: TenantScopeOptions<K>) {
    this.options = options;
    this.raw = rawPool(pool);
    this.assertions = resolveAssertionMode(options.assertions, process.env.TENANT_SCOPE_ASSERT);
    this.gucs = contextGucsFrom(options.context, options.validate);
    this.capturesCallSites = this.assertions !== 'off' || options.onViolation !== undefined;
    const names = this.gucs.map((g) => g.guc);
    this.runtime = {
      mode: this.assertions,
      gucs: this.gucs,
      gucNames: new Set(names),
      keys: this.gucs.map((g) => g.key),
      arrival: new ArrivalCheck(names),
      connect: (callSite) => this.checkout(callSite),
      report: (violation) => this.report(violation),
      note: (message) => {
        if (this.assertions !== 'off') (this.options.logger ?? console).warn(`[tenant-scope] ${message}`);
      },
    };
    // The analyzer works before this resolves (more slowly); loading it early keeps the first checks fast.
    if (this.assertions !== 'off') initAnalyzer().catch(() => undefined);
    this.pool = guardPool(this.raw, {
      place: () => this.place(),
      unscoped: (what, sql, callSite) => {
        const message =
          what === 'query'
            ? 'a query on the guarded pool outside withTenant/withoutTenant runs without tenant context'
            : 'connect() on the guarded pool outside withTenant/withoutTenant hands out a connection without tenant context';
        return this.raiseOutsideTransaction('unscoped-query', message, sql, callSite);
      },
    });
  }

  /**
   * Runs `fn` in a transaction whose context settings hold `context` (set with
   * `set_config(name, $n, true)`), commits and returns what `fn` returns. If `fn` throws, rolls
   * back and rethrows. Inside a scope for the same context it re-enters that scope.
   */
  async withTenant<T>(context: Readonly<Record<K, string>>, fn: (client: pg.PoolClient) => Promise<T> | T, options?: TenantTransactionOptions): Promise<T> {
    const values = contextValuesFor(this.gucs, context);
    const frame = this.frames.getStore();
    if (frame?.kind === 'tenant' && !frame.transaction.isEnded) {
      if (values.every((value, i) => value === frame.values[i])) return fn(frame.transaction.scopedClient);
      // Refused in every mode: a second connection while this one is held deadlocks a pool (or
      // PgBouncer) with one connection free, and one request would act for two tenants.
      const message =
        'withTenant for another context inside a running tenant scope was refused (every mode): it would need a second connection while this one is held, which deadlocks when the pool or PgBouncer has no other connection free, and one request would act for two tenants';
      const violation = this.violation('nested-tenant', message, undefined, new Error());
      this.report(violation);
      frame.transaction.noteViolation(violation);
      throw violation;
    }
    const callSite = this.capturesCallSites ? new Error() : CALL_SITE_NOT_CAPTURED;
    const client = await this.checkout(callSite);
    const transaction = new TenantTransaction(this.runtime, client, callSite);
    return this.frames.run({ kind: 'tenant', values, transaction }, () => transaction.run(values, fn, options));
  }

  /**
   * Runs one statement (`text`, with bound `values`) in its own tenant transaction and resolves
   * to its result: BEGIN, the context, the statement, the check before COMMIT and COMMIT go out
   * in one round trip, with every check of `withTenant`. If the statement fails, the transaction
   * is rolled back and its error rethrown. Inside a scope for the same context it runs on that
   * scope's client.
   */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    context: Readonly<Record<K, string>>,
    text: string,
    values?: readonly unknown[],
    options?: TenantTransactionOptions,
  ): Promise<pg.QueryResult<R>> {
    if (typeof text !== 'string') throw new TypeError('scope.query takes the statement as a string');
    const list = values === undefined ? undefined : [...values];
    const contextValues = contextValuesFor(this.gucs, context);
    const frame = this.frames.getStore();
    if (frame?.kind === 'tenant' && !frame.transaction.isEnded) {
      // The same context re-enters the running scope; another one is refused there, as withTenant does.
      return this.withTenant(context, (client) => client.query<R>(text, list), options);
    }
    const callSite = this.capturesCallSites ? new Error() : CALL_SITE_NOT_CAPTURED;
    const client = await this.checkout(callSite);
    return (await new TenantQuery(this.runtime, client, callSite).run(contextValues, text, list, options)) as pg.QueryResult<R>;
  }

  /**
   * Runs `fn` with a plain connection and no tenant context, for admin and migration work, and
   * reports it to `onWithoutTenant`. No transaction is opened. The connection is discarded
   * afterwards, so whatever session state the work left does not reach tenant traffic.
   */
  async withoutTenant<T>(fn: (client: pg.PoolClient) => Promise<T> | T): Promise<T> {
    const callSite = new Error();
    this.options.onWithoutTenant?.({ callSite: userStack(callSite) });
    const client = await this.raw.connect();
    let released = false;
    const onError = (): void => undefined;
    client.on('error', onError);
    const adminClient = new Proxy(client, {
      get: (target, property) => {
        if (property === 'release') return () => undefined;
        if (property === 'query' && released) return () => Promise.reject(new Error('the client of withoutTenant was used after its scope ended'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      return await this.frames.run({ kind: 'without-tenant', client: adminClient }, () => fn(adminClient));
    } finally {
      released = true;
      client.removeListener('error', onError);
      client.release(new Error('connections used without tenant context are not reused'));
    }
  }

  /** Startup checks of the connecting role, tenant tables and policies; reads the catalog once. */
  audit(): Promise<AuditFinding[]> {
    return auditCatalog(this.raw, this.options.tenantColumns ?? ['tenant_id']);
  }

  private place(): PoolCallPlace {
    const frame = this.frames.getStore();
    if (frame?.kind === 'tenant' && !frame.transaction.isEnded) return { kind: 'tenant', client: frame.transaction.scopedClient };
    if (frame?.kind === 'without-tenant') return { kind: 'without-tenant', client: frame.client };
    return { kind: 'unscoped' };
  }

  /** A connection in no transaction; one that arrives inside a transaction is discarded and reported. */
  private async checkout(callSite: Error): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.raw.connect();
      const status = client.getTransactionStatus();
      if (status === 'I' || status === null) return client;
      client.release(new Error('connection arrived inside a transaction'));
      this.report(this.violation('leaked-context', `a pooled connection arrived inside an open transaction (status ${status}); it was discarded`, undefined, callSite));
      if (attempt >= CHECKOUT_ATTEMPTS) throw new Error(`${CHECKOUT_ATTEMPTS} connections in a row arrived inside an open transaction`);
    }
  }

  private raiseOutsideTransaction(code: ViolationCode, message: string, sql: string | undefined, callSite: Error): TenantScopeViolation | undefined {
    const violation = this.violation(code, message, sql, callSite);
    this.report(violation);
    return this.assertions === 'throw' ? violation : undefined;
  }

  private violation(code: ViolationCode, message: string, sql: string | undefined, callSite: Error): TenantScopeViolation {
    return new TenantScopeViolation({ code, message, sql, contextKeys: this.runtime.keys, callSite });
  }

  private report(violation: TenantScopeViolation): void {
    if (this.assertions !== 'off') {
      const logger = this.options.logger ?? console;
      const sql = violation.sql === undefined ? '' : `\n  sql: ${violation.sql}`;
      logger.warn(`[tenant-scope] ${violation.message}${sql}\n  ${violation.callSite.split('\n')[0] ?? ''}`);
    }
    try {
      this.options.onViolation?.(violation);
    } catch (error) {
      // A failing hook must not change what the scope does with the transaction.
      (this.options.logger ?? console).warn(`[tenant-scope] onViolation threw: ${String(error)}`);
    }
  }
}

/** Creates a tenant scope for `pool` (a `pg.Pool`, or the guarded pool of another scope). */
export function createTenantScope<K extends string>(pool: pg.Pool, options: TenantScopeOptions<K>): TenantScope<K> {
  return new TenantScope(pool, options);
}
