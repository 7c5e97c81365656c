/**
 * The schema a migration history (or a live catalog) leaves behind, as far as tenant isolation
 * is concerned. Every item remembers the statement that made it what it is, so that a rule that
 * judges the final state can point at the SQL a person has to change.
 */
import type { DoBlockUnresolved, GucRead, GucWrite, ParseTreeNode, SourceRange } from '@tenant-scope/sql-analyzer';

/** The statement behind a model item: a file of the history (or a catalog object) and a range in it. */
export interface StatementSource {
  /** The file path as given to `lintSql`, or a catalog location such as `database:policy tenant_isolation on public.orders`. */
  file: string;
  /** UTF-16 offsets `[start, end)` into that file's text. */
  range: SourceRange;
}

/** A column of a table. */
export interface ColumnModel {
  name: string;
  /** Lowercased type name without schema (`uuid`, `int4`, `text`). */
  type: string;
  notNull: boolean;
  /** Copied from a parent table (partition or inheritance child), not declared here. */
  inherited: boolean;
  /** The statement that declared the column or last changed its nullability. */
  source: StatementSource;
}

/** The row-level security switches of a table and the statements that last flipped them. */
export interface RowSecurity {
  enabled: boolean;
  forced: boolean;
  enabledBy: StatementSource | null;
  forcedBy: StatementSource | null;
  /** The last `DISABLE ROW LEVEL SECURITY`, when it is what left RLS off. */
  disabledBy: StatementSource | null;
  /** The last `NO FORCE ROW LEVEL SECURITY`, when it is what left RLS unforced. */
  unforcedBy: StatementSource | null;
}

/** A tenant-facing expression of a policy (USING or WITH CHECK). */
export interface PolicyExpression {
  /** The expression's parse tree. */
  node: ParseTreeNode;
  /** The setting reads inside the expression, with ranges in `source.file`. */
  reads: GucRead[];
  /** Where the expression is written (inside the parentheses). */
  source: StatementSource;
}

/** `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`. */
export type PolicyCommand = 'all' | 'select' | 'insert' | 'update' | 'delete';

/** A row-level security policy. */
export interface PolicyModel {
  name: string;
  /** Key of the table it is on (`schema.name`). */
  table: string;
  command: PolicyCommand;
  /** Lowercased role names; `public` for PUBLIC. */
  roles: string[];
  permissive: boolean;
  using: PolicyExpression | null;
  withCheck: PolicyExpression | null;
  /** The statement that last defined its expressions (CREATE POLICY or ALTER POLICY). */
  source: StatementSource;
}

/** A table (plain or partitioned). */
export interface TableModel {
  schema: string;
  name: string;
  columns: Map<string, ColumnModel>;
  rowSecurity: RowSecurity;
  /** Policies by name. */
  policies: Map<string, PolicyModel>;
  /** Keys of the tables it is a partition or inheritance child of. */
  parents: string[];
  partitioned: boolean;
  owner: string | null;
  /**
   * Whether a statement of the history (or the platform's prelude) created it. A table only named
   * by later statements (a policy, an ALTER TABLE) was made elsewhere, by a dump or another tool,
   * so what its row-level security was before the history touched it is unknown.
   */
  createdInHistory: boolean;
  /** The CREATE TABLE (or the last rename or move). */
  source: StatementSource;
}

/** A view. */
export interface ViewModel {
  schema: string;
  name: string;
  securityInvoker: boolean;
  /** Keys (`schema.name`) of the relations its query reads. */
  relations: string[];
  materialized: boolean;
  /** The statement that last defined its query or options. */
  source: StatementSource;
}

/** A function or procedure. */
export interface FunctionModel {
  schema: string;
  name: string;
  /** Lowercased argument type names, or null when declared without them (ALTER FUNCTION f …). */
  argumentTypes: string[];
  /** A procedure (CREATE PROCEDURE), not a function. */
  procedure: boolean;
  /** Lowercased return type name without schema (`trigger`, `void`, `uuid`); `void` for a procedure. */
  returnType: string;
  language: string;
  securityDefiner: boolean;
  /** The `search_path` the function runs with (from `SET search_path`), or null. */
  searchPath: string | null;
  searchPathSource: StatementSource | null;
  /**
   * The schemas unqualified names in its body resolve against: its fixed `search_path`, else the
   * migration's path where it was created or last altered (callers' paths cannot be known).
   */
  bodySearchPath: readonly string[];
  /** The setting reads and writes of its body, with ranges in `source.file`. */
  reads: GucRead[];
  writes: GucWrite[];
  /** The body as written (empty for SQL-standard bodies). */
  bodyText: string;
  /** Keys of relations an SQL body reads or writes, from its parse tree. */
  bodyRelations: string[];
  /**
   * Functions its body calls, lowercased (`schema` when the call qualifies the name): from the
   * parse tree of an SQL body, from the words before a `(` in other bodies.
   */
  bodyCalls: FunctionCallName[];
  /**
   * Roles granted EXECUTE (lowercased; `public` for PUBLIC), the owner left out: PUBLIC and the
   * default privileges at creation, then every GRANT/REVOKE EXECUTE. CREATE OR REPLACE keeps them.
   */
  execute: Set<string>;
  /** The CREATE FUNCTION, or the last ALTER FUNCTION that made it SECURITY DEFINER or removed its search_path. */
  source: StatementSource;
}

/**
 * The EXECUTE privileges a new function gets (ALTER DEFAULT PRIVILEGES … ON FUNCTIONS), for the
 * role that runs the migrations: the global list (PUBLIC until revoked), plus a schema's own
 * additions, which cannot take away what the global list grants (as in PostgreSQL).
 */
export interface FunctionDefaultPrivileges {
  global: Set<string>;
  bySchema: Map<string, Set<string>>;
}

/** A function as a call names it. */
export interface FunctionCallName {
  schema: string | undefined;
  name: string;
}

/** A role's attributes that matter to row-level security. */
export interface RoleModel {
  name: string;
  bypassRls: boolean;
  superuser: boolean;
  /** The statement that last granted BYPASSRLS or SUPERUSER (or created the role). */
  source: StatementSource;
}

/** Something in the history that switched row-level security off or took a policy away. */
export interface RowSecurityWeakening {
  kind: 'disable' | 'no-force' | 'drop-policy';
  table: string;
  /** For `drop-policy`, the policy that was dropped. */
  policy: PolicyModel | null;
  source: StatementSource;
}

/** A setting write anywhere in the history (statements, DO blocks, function bodies). */
export interface ContextWrite {
  write: GucWrite;
  file: string;
}

/** A setting read anywhere in the history. */
export interface ContextRead {
  read: GucRead;
  file: string;
}

/**
 * A DO block the model followed only in part: a condition, a loop or an EXECUTE whose effect the
 * text does not decide (see the analyzer's `doBlockStatements`). What it would do is not applied.
 */
export interface UnfollowedDoBlock {
  /** What could not be decided: `condition`, `loop`, `dynamic-sql`, `body`. */
  kinds: DoBlockUnresolved['kind'][];
  /** How many such places the block has. */
  count: number;
  /** The first of them. */
  source: StatementSource;
}

/** The final state of a schema, plus the events that rules about history need. */
export interface SchemaModel {
  tables: Map<string, TableModel>;
  views: Map<string, ViewModel>;
  /** Functions by `schema.name(argtypes)`. */
  functions: Map<string, FunctionModel>;
  roles: Map<string, RoleModel>;
  weakenings: RowSecurityWeakening[];
  writes: ContextWrite[];
  reads: ContextRead[];
  /** DO blocks the replay could not follow in full, in history order. */
  unfollowed: UnfollowedDoBlock[];
  /**
   * Roles with USAGE on a schema (lowercased; `public` for PUBLIC; the owner left out), for the
   * schemas the history creates, and `public` (usable by PUBLIC by default). A schema not in the
   * map predates the history: its privileges are not known.
   */
  schemaUsage: Map<string, Set<string>>;
  functionDefaults: FunctionDefaultPrivileges;
}

/** An empty schema. */
export function emptySchemaModel(): SchemaModel {
  return {
    tables: new Map(),
    views: new Map(),
    functions: new Map(),
    roles: new Map(),
    weakenings: [],
    writes: [],
    reads: [],
    unfollowed: [],
    schemaUsage: new Map([['public', new Set(['public'])]]),
    functionDefaults: { global: new Set(['public']), bySchema: new Map() },
  };
}

/** `schema.name`, with `public` for an unqualified name. */
export function relationKey(schema: string | null | undefined, name: string): string {
  return `${schema ?? 'public'}.${name}`;
}
