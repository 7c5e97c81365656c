/**
 * The facts the analyzer reports. Every range is a half-open `[start, end)` pair of UTF-16
 * offsets into the text that was analyzed, also for facts found inside function bodies,
 * DO blocks and `EXECUTE 'literal'` strings.
 */
import type { SourceRange } from './source-text.js';

/** How long a setting change lasts: past the transaction, only inside it, or not knowable from the text. */
export type GucScope = 'session' | 'transaction' | 'unknown';

/**
 * What kind of setting a name is. `custom` is any dotted name such as `app.tenant_id` (where
 * tenant context usually lives); `all` stands for RESET ALL and DISCARD ALL; `unknown` is a
 * name that is not a literal (for example `set_config($1, …)`).
 */
export type GucTarget = 'custom' | 'search-path' | 'role' | 'session-authorization' | 'builtin' | 'all' | 'unknown';

/** Where the SQL that produced a fact lives. Facts in a function body happen when it is called. */
export type FactOrigin = 'statement' | 'do-block' | 'function-body';

/** One element of a written value: `SET search_path = a, "b, c"` has two, `a` and `b, c`. */
export interface GucValueItem {
  /** The constant as PostgreSQL's parser reads it (quotes removed, unquoted identifiers lowercased). */
  text: string;
  /** Where the element is written (for a string, with its quotes). */
  range: SourceRange;
}

/** A value written to a setting, as the text shows it. */
export interface GucValue {
  /**
   * `literal`: a constant; `parameter`: a bind parameter such as `$1`; `interpolated`: text
   * spliced into the SQL (a template hole, inside or outside quotes); `expression`: anything
   * else (a column, a function call); `default`: RESET / `TO DEFAULT`; `current`: `FROM CURRENT`.
   */
  kind: 'literal' | 'parameter' | 'interpolated' | 'expression' | 'default' | 'current';
  /** The constant's value for `literal` (SET lists joined with `, `; `items` keeps them apart). */
  text?: string;
  /**
   * For `literal`: the elements as written, in order. A SET list has one per element; a
   * `set_config` value is one string, so one item (PostgreSQL splits list settings such as
   * search_path inside that string itself).
   */
  items?: GucValueItem[];
  /** The bind parameter's number for `parameter`. */
  parameter?: number;
  range: SourceRange;
}

interface FactBase {
  /** The whole construct: the statement for SET/RESET/DISCARD, the call for set_config. */
  range: SourceRange;
  /** Index of the top-level statement that contains the fact (in `statements` of the parse it came from). */
  statementIndex: number;
  origin: FactOrigin;
  /** The function or procedure whose body holds the fact, when `origin` is `function-body`. */
  functionName?: string;
  /** Whether the fact comes from the string of an `EXECUTE 'literal'` in PL/pgSQL. */
  dynamic: boolean;
  /**
   * Set when the fact is inside a PL/pgSQL block whose EXCEPTION clause catches the errors it may
   * raise and answers `RETURN NULL`/`RETURN false`: every error (`any-error`, `WHEN OTHERS`) or data
   * errors only (`data-error`, such as a cast of '').
   */
  caught?: 'any-error' | 'data-error';
}

/** A write to a setting (GUC): SET, RESET, set_config, ALTER ROLE/DATABASE … SET, DISCARD ALL. */
export interface GucWrite extends FactBase {
  kind: 'guc-write';
  via: 'set' | 'reset' | 'set-config' | 'alter-role' | 'alter-database' | 'alter-system' | 'discard-all';
  /** Lowercased setting name (PostgreSQL compares them case-insensitively); null for ALL or a non-literal name. */
  name: string | null;
  target: GucTarget;
  scope: GucScope;
  /** For `set_config`, how `is_local` was written: a boolean literal, or not knowable. */
  isLocal?: 'true' | 'false' | 'unknown';
  /** Where the setting's name is written, when it is written. */
  nameRange?: SourceRange;
  /** For SET and RESET: the command words before the name (`SET`, `SET SESSION`, `SET LOCAL`, `RESET`). */
  commandRange?: SourceRange;
  /** For `set_config`: where each argument is written (name, value, is_local). */
  argumentRanges?: SourceRange[];
  value: GucValue | null;
  /** The role of ALTER ROLE … SET (null for ALL), the database of ALTER DATABASE … SET / IN DATABASE. */
  role?: string | null;
  database?: string | null;
}

/** Something that surrounds a `current_setting(…)` call, innermost first. */
export type GucReadWrapper =
  | { kind: 'cast'; /** Lowercased type name, without schema (`uuid`, `int4`). */ type: string }
  | { kind: 'nullif-empty' }
  | { kind: 'nullif' }
  | { kind: 'coalesce' }
  | { kind: 'scalar-subquery' };

/** The operator expression that the (wrapped) read is an operand of, if any. */
export interface GucReadComparison {
  operator: string;
  /** The other operand: a column reference (its name parts, lowercased) or anything else. */
  other: { kind: 'column'; name: string[]; range: SourceRange } | { kind: 'other'; range: SourceRange };
}

/** A read of a setting: `current_setting(name [, missing_ok])` or SHOW. */
export interface GucRead extends FactBase {
  kind: 'guc-read';
  via: 'current-setting' | 'show';
  name: string | null;
  target: GucTarget;
  /** How `missing_ok` was written: `absent` means the one-argument form, which raises when the setting was never set. */
  missingOk: 'true' | 'false' | 'absent' | 'unknown';
  nameRange?: SourceRange;
  wrappers: GucReadWrapper[];
  comparison?: GucReadComparison;
}

/** Transaction control statements. */
export interface TransactionControl extends FactBase {
  kind: 'transaction-control';
  operation:
    | 'begin'
    | 'commit'
    | 'rollback'
    | 'savepoint'
    | 'release-savepoint'
    | 'rollback-to-savepoint'
    | 'prepare-transaction'
    | 'commit-prepared'
    | 'rollback-prepared';
  /** `COMMIT AND CHAIN` / `ROLLBACK AND CHAIN`. */
  chain?: boolean;
  savepoint?: string;
}

/** Session state that breaks or leaks under transaction pooling. */
export interface SessionStateUse extends FactBase {
  kind: 'session-state';
  feature:
    | 'advisory-lock'
    | 'advisory-unlock'
    | 'listen'
    | 'unlisten'
    | 'prepare'
    | 'deallocate'
    | 'temp-table'
    | 'cursor-with-hold'
    | 'load'
    | 'discard';
  /** The lock function, channel, statement, table, cursor, library or DISCARD target. */
  detail: string;
}

/** One thing a piece of SQL does to session state. */
export type SessionFact = GucWrite | GucRead | TransactionControl | SessionStateUse;

/** A statement of the analyzed text, with PostgreSQL's node type (e.g. `VariableSetStmt`). */
export interface StatementInfo {
  type: string;
  range: SourceRange;
}

/** SQL text that PostgreSQL's parser rejects, located in the analyzed text. */
export interface SqlSyntaxError {
  message: string;
  /** UTF-16 offset of the error. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
}

/** What `analyzeSql` returns. Results are frozen: they may be shared through the cache. */
export interface SqlAnalysis {
  /** Null when the text parsed. When it did not, `statements` and `facts` are empty. */
  error: SqlSyntaxError | null;
  statements: StatementInfo[];
  facts: SessionFact[];
}
