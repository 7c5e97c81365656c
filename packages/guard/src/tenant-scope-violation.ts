import { fileURLToPath } from 'node:url';

/** What a violation is about; see the package README for each code. */
export type ViolationCode =
  | 'leaked-context'
  | 'session-set'
  | 'transaction-control'
  | 'session-state'
  | 'outside-transaction'
  | 'context-survived-commit'
  | 'context-changed'
  | 'unscoped-query'
  | 'nested-tenant';

/** Where each code is explained; a violation's message ends with the link to its section. */
export const VIOLATIONS_README = 'https://github.com/tenant-scope/tenant-scope/blob/main/packages/guard/README.md';

/** What to do about each code: the end of every message of that code unless the caller gives a closer fix. */
const FIXES: Record<ViolationCode, string> = {
  'leaked-context':
    'find the code that sets it at session level outside withTenant (queries on the raw pool, SET without LOCAL, set_config(…, false), SET ROLE) and make it transaction-local inside a scope',
  'session-set': 'use SET LOCAL or set_config(…, true) inside withTenant',
  'transaction-control': 'let the scope own the transaction: use savepoints, or BEGIN/COMMIT on the scoped client (they become a savepoint)',
  'session-state':
    'use ON COMMIT DROP temp tables, cursors without WITH HOLD and pg_advisory_xact_lock; run LISTEN and PREPARE on a connection of their own, outside tenant scopes',
  'outside-transaction': 'await every statement inside fn and do not end the transaction yourself',
  'context-survived-commit': 'make the function set the context with set_config(…, true) (transaction-local)',
  'context-changed':
    'do not switch the tenant or the role inside a scope: run the other tenant’s work in its own withTenant after this one returns, and do not let the application role reach a role that bypasses RLS (tenant-scope audit)',
  'unscoped-query': 'run it inside withTenant, or inside withoutTenant for admin work',
  'nested-tenant': 'finish the outer withTenant first and start the other tenant’s scope after it returns',
};

/** SQL longer than this is cut in violations and log lines. */
const MAX_SQL_LENGTH = 500;

export interface ViolationDetails {
  code: ViolationCode;
  message: string;
  sql?: string | undefined;
  contextKeys: readonly string[];
  /** An Error created at the user's call site; its stack is read only when the violation is built. */
  callSite: Error;
  /** What to do about it, when closer to the case than the code's usual fix. */
  fix?: string | undefined;
}

/**
 * A tenant-context hazard seen at runtime. Every violation reaches `onViolation`; in `throw` mode
 * it is also thrown (or rejects the query that caused it).
 */
export class TenantScopeViolation extends Error {
  override readonly name = 'TenantScopeViolation';
  readonly code: ViolationCode;
  /** The statement involved, cut to 500 characters; undefined when no statement is. */
  readonly sql: string | undefined;
  /** The scope's context keys (e.g. `tenantId`, `userId`); never their values. */
  readonly contextKeys: readonly string[];
  /** Stack of the user's call (the query, `withTenant` or `connect()` that caused it). */
  readonly callSite: string;

  constructor(details: ViolationDetails) {
    const fix = details.fix ?? FIXES[details.code];
    super(`${details.code}: ${details.message}. Fix: ${fix}. See ${VIOLATIONS_README}#${details.code}`);
    this.code = details.code;
    this.sql = details.sql === undefined ? undefined : truncateSql(details.sql);
    this.contextKeys = details.contextKeys;
    this.callSite = userStack(details.callSite);
  }
}

function truncateSql(sql: string): string {
  return sql.length > MAX_SQL_LENGTH ? `${sql.slice(0, MAX_SQL_LENGTH)}…` : sql;
}

// This package's code (dist/, or src/ where source maps rewrite stacks), whose frames are dropped
// so the first frame is the user's code.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const ownDirectories = [`${packageRoot}dist`, `${packageRoot}src`];

/** The stack of `callSite` from the first frame outside this package. */
export function userStack(callSite: Error): string {
  const lines = (callSite.stack ?? '').split('\n').slice(1);
  const outside = lines.filter((line) => !ownDirectories.some((directory) => line.includes(directory)) && !line.includes('node:internal'));
  return (outside.length > 0 ? outside : lines).map((line) => line.trim()).join('\n');
}
