import { fileURLToPath } from 'node:url';

/** What a violation is about; see the package README for each code. */
export type ViolationCode =
  | 'leaked-context'
  | 'session-set'
  | 'transaction-control'
  | 'session-state'
  | 'outside-transaction'
  | 'context-survived-commit'
  | 'unscoped-query'
  | 'nested-tenant';

/** SQL longer than this is cut in violations and log lines. */
const MAX_SQL_LENGTH = 500;

export interface ViolationDetails {
  code: ViolationCode;
  message: string;
  sql?: string | undefined;
  contextKeys: readonly string[];
  /** An Error created at the user's call site; its stack is read only when the violation is built. */
  callSite: Error;
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
    super(`${details.code}: ${details.message}`);
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
