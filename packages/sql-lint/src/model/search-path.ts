/**
 * The `search_path` a migration file runs with, so that unqualified names land where PostgreSQL
 * puts them: a new object in the first schema of the path, an existing one found in the first
 * schema of the path that has it.
 *
 * Each file starts from the configured path (default `public`), as a migration tool that runs
 * files on fresh sessions, or resets the path between them, would. `SET search_path`,
 * `set_config('search_path', …)` and `RESET` change it for the rest of the file; the
 * transaction-local forms (`SET LOCAL`, `set_config(…, true)`) until the next COMMIT or
 * ROLLBACK, or the end of the file (tools run a file in one transaction).
 */
import { nodeOf, transactionControlHazards } from '@tenant-scope/sql-analyzer';
import type { NodeOfType, SessionFact } from '@tenant-scope/sql-analyzer';

/** The schemas unqualified names resolve against, in order. Never holds `$user`, `pg_catalog`, `pg_temp` or ''. */
export type SchemaList = readonly string[];

/** The path unqualified names resolve against when nothing sets it. */
export const DEFAULT_SEARCH_PATH: SchemaList = ['public'];

/**
 * Path entries that never receive a migration's objects: the role's own schema (unknown here),
 * the system ones, and the empty name of `SET search_path = ''`.
 */
function isResolvable(schema: string): boolean {
  return schema !== '' && schema !== '$user' && schema !== 'pg_catalog' && !schema.startsWith('pg_temp');
}

/** The entries of a path as PostgreSQL keeps them, without those no migration object lands in. */
export function resolvableSchemas(schemas: readonly string[]): SchemaList {
  return schemas.filter(isResolvable);
}

/**
 * Splits a `search_path` value given as one string (`set_config`, `ALTER … SET` in a catalog) the
 * way PostgreSQL does: comma-separated identifiers, unquoted ones lowercased, `""` inside quotes
 * standing for one `"`. Null when the text is not such a list.
 */
export function parseSchemaList(text: string): string[] | null {
  const schemas: string[] = [];
  let at = 0;
  const skipBlanks = (): void => {
    while (at < text.length && /\s/.test(text[at] as string)) at++;
  };
  skipBlanks();
  if (at === text.length) return [];
  for (;;) {
    skipBlanks();
    let name = '';
    if (text[at] === '"') {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) return null;
        name += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        name += '"';
        at++;
      }
      if (name === '') return null;
    } else {
      const start = at;
      while (at < text.length && !/[\s,"]/.test(text[at] as string)) at++;
      if (at === start) return null;
      name = text.slice(start, at).toLowerCase();
    }
    schemas.push(name);
    skipBlanks();
    if (at === text.length) return schemas;
    if (text[at] !== ',') return null;
    at++;
  }
}

/** The search_path state of one migration file as its statements run. */
export class MigrationSearchPath {
  private session: SchemaList;
  private local: SchemaList | null = null;

  constructor(private readonly initial: SchemaList) {
    this.session = initial;
  }

  /** The path in effect now. */
  get schemas(): SchemaList {
    return this.local ?? this.session;
  }

  /** The schema a new object with an unqualified name is created in (the first of the path; `public` when the path names none). */
  get creationSchema(): string {
    return this.schemas[0] ?? 'public';
  }

  /** `SET [LOCAL] search_path …`, `set_config('search_path', …)`; null schemas for RESET / `TO DEFAULT`. */
  set(schemas: readonly string[] | null, scope: 'session' | 'transaction'): void {
    const value = schemas === null ? this.initial : resolvableSchemas(schemas);
    if (scope === 'transaction') this.local = value;
    else {
      this.session = value;
      this.local = null;
    }
  }

  /** COMMIT or ROLLBACK: transaction-local values end. */
  endTransaction(): void {
    this.local = null;
  }

  /** RESET ALL, DISCARD ALL. */
  resetAll(): void {
    this.session = this.initial;
    this.local = null;
  }

  /** Runs `body` with `schema` in front of the path, as CREATE SCHEMA does for the objects it creates. */
  withSchemaFirst<T>(schema: string, body: () => T): T {
    const saved = { session: this.session, local: this.local };
    this.local = [schema, ...this.schemas.filter((s) => s !== schema)];
    try {
      return body();
    } finally {
      this.session = saved.session;
      this.local = saved.local;
    }
  }
}

/** The schemas of a `SET search_path TO a, b` (each value is one schema, as PostgreSQL quotes them). */
export function setStatementSchemas(setStmt: NodeOfType<'VariableSetStmt'>): string[] {
  return (setStmt.args ?? []).map((arg) => nodeOf(arg, 'A_Const')?.sval?.sval ?? '');
}

// Defaults for later sessions (ALTER ROLE/DATABASE/SYSTEM … SET): the running migration keeps its path.
const SESSION_WRITES = new Set(['set', 'reset', 'set-config', 'discard-all']);

/** Whether a fact changes the migration's search_path or ends a transaction (and so its local settings). */
export function changesSearchPath(fact: SessionFact): boolean {
  if (fact.origin === 'function-body') return false;
  if (fact.kind === 'transaction-control') return transactionControlHazards(fact).includes('ends-transaction');
  return fact.kind === 'guc-write' && SESSION_WRITES.has(fact.via) && (fact.target === 'search-path' || fact.target === 'all');
}

/** Applies what a statement did to the search_path, in the order it did it. */
export function followSearchPath(path: MigrationSearchPath, fact: SessionFact): void {
  if (fact.kind === 'transaction-control') return path.endTransaction();
  if (fact.kind !== 'guc-write') return;
  if (fact.target === 'all') return path.resetAll();
  const scope = fact.scope === 'transaction' ? 'transaction' : 'session';
  const value = fact.value;
  if (fact.via === 'reset' || value?.kind === 'default') return path.set(null, scope);
  if (value?.kind !== 'literal' || value.text === undefined) return; // not knowable from the text
  // A SET's items are one schema each (in a DO block too); set_config's value is one list string.
  const schemas = fact.via === 'set' ? (value.items ?? []).map((item) => item.text) : parseSchemaList(value.text);
  if (schemas) path.set(schemas, scope);
}
