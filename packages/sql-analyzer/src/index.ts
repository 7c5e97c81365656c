/**
 * @tenant-scope/sql-analyzer: what a piece of SQL does to session state, read with PostgreSQL's
 * own parser, with exact positions.
 */
import { AnalysisCache } from './analysis-cache.js';
import { analyzeSqlUncached } from './analyze-sql.js';
import type { ParseOptions } from './parse-sql.js';
import type { SqlAnalysis } from './session-facts.js';

export type {
  FactOrigin,
  GucRead,
  GucReadComparison,
  GucReadWrapper,
  GucScope,
  GucTarget,
  GucValue,
  GucValueItem,
  GucWrite,
  SessionFact,
  SessionStateUse,
  SqlAnalysis,
  SqlSyntaxError,
  StatementInfo,
  TransactionControl,
} from './session-facts.js';
export type { ParseOptions, ParseSqlOptions, ParsedSql, ParsedStatement, TemplateHole } from './parse-sql.js';
export type { SourcePosition, SourceRange } from './source-text.js';

/**
 * Loads the PostgreSQL parser (WebAssembly) into this thread. Every function here is synchronous
 * and works before this resolves (parsing then runs in a worker thread and the call blocks), but
 * await it once at startup for full speed. Rejects only if the WebAssembly module cannot load.
 */
export { initAnalyzer, isAnalyzerReady } from './wasm-parser.js';

/**
 * Parses SQL text into statements (PostgreSQL's JSON parse tree) with UTF-16 ranges, or a syntax
 * error with line and column. For tools that need the tree itself; not cached. `restoreParsedSql`
 * puts a parse back together from its statements and skipped ranges kept apart from the text.
 */
export { parseSql, restoreParsedSql } from './parse-sql.js';

/**
 * Typed reading of the trees `parseSql` returns (node types from `@pgsql/types`, PostgreSQL 18):
 * `nodeOf(value, 'RangeVar')` is the body when the node has that type; `unwrapNode` gives a node's
 * type and body; `walkTree(tree, (type, body) => …)` visits every node depth first, and checking
 * `type` narrows `body`; `statementNode`/`statementTree` give a parsed statement as an entry or a
 * node. Small readers of common shapes: `stringValue`, `nameParts` (qualified names), `typeNameOf`,
 * `constantText` (a constant as PostgreSQL prints it, through casts), `defElemText` (an option's
 * value), `calledFunctionName` (a call's lowercased name), `firstLocation` (the smallest byte
 * location in a subtree).
 */
export {
  calledFunctionName,
  constantText,
  defElemText,
  firstLocation,
  nameParts,
  nodeOf,
  statementNode,
  statementTree,
  stringValue,
  typeNameOf,
  unwrapNode,
  walkTree,
} from './parse-tree-nodes.js';
export type { NodeEntry, NodeOfType, NodeTypeName, NodeVisit, ParseTreeNode } from './parse-tree-nodes.js';

/**
 * The SQL a DO statement runs, read from its PL/pgSQL: static statements and `EXECUTE` of text
 * the block builds from constants (`'…'`, `format`, `||`, `quote_ident`), through nested blocks,
 * loops over literal arrays and IF branches guarded by a catalog check (taken as passing). Each run
 * is parsed on its own and maps back into the analyzed text; what the text does not decide (other
 * conditions, loops over queries, SQL from unknown values) is listed in `unresolved`, not guessed.
 */
export { doBlockStatements } from './do-block-statements.js';
export type { DoBlockStatements, DoBlockUnresolved } from './do-block-statements.js';

/**
 * The facts of text already parsed with `parseSql`, without parsing it again: for tools that need
 * the parse tree and the facts of the same text. Not cached.
 */
export { analyzeParsedSql } from './analyze-sql.js';

/**
 * A cheap pre-test: false when the text has none of the words any fact needs, so `analyzeSql`
 * would find no fact in it (it may still report a syntax error).
 */
export { mayAffectSessionState } from './fact-words.js';

/**
 * The same pre-test for one data statement (INSERT, UPDATE, DELETE, MERGE, SELECT, VALUES), GRANT,
 * REVOKE, COMMENT or CREATE INDEX, where only function calls and SELECT INTO TEMP can produce a
 * fact (so an UPDATE's SET does not count).
 */
export { dataStatementMayAffectSessionState } from './fact-words.js';

/** Classifies a lowercased setting name: `custom` (dotted, e.g. `app.tenant_id`), `search-path`, `role`, … */
export { gucTarget } from './setting-writes.js';

/**
 * What can go wrong with a `current_setting` read on a pooled connection: it raises when the
 * setting was never set, it is cast without `NULLIF(…, '')`, or it is evaluated per row.
 */
export { contextReadHazards } from './context-read-hazards.js';
export type { ContextReadHazard } from './context-read-hazards.js';

/**
 * What a setting write does to tenant context: which context it touches (`contextWriteTarget`:
 * a context setting, search_path, the role, all settings, a name not knowable), and whether it
 * outlives the transaction, may do so (`is_local` not a literal), resets, switches the context
 * inside a transaction or gives every new session a default (`contextWriteHazards`).
 * `isContextSetting` says whether a setting name carries tenant context under the settings.
 */
export { contextWriteHazards, contextWriteTarget, isContextSetting } from './context-write-hazards.js';
export type { ContextSettings, ContextTarget, ContextWriteHazard } from './context-write-hazards.js';

/** Which session features outlive the transaction or release state on a pooled connection: one list. */
export { sessionStateHazards } from './session-state-hazards.js';
export type { SessionStateHazard } from './session-state-hazards.js';

/**
 * What a transaction control statement does to the transaction that carries tenant context (ends,
 * chains, begins, savepoint, needs the same connection); `allowSavepoints` is the guard's option.
 */
export { transactionControlHazards } from './transaction-control-hazards.js';
export type { TransactionControlHazard, TransactionControlOptions } from './transaction-control-hazards.js';

/**
 * PostgreSQL's lexical rules for finding ends the parse tree does not give (a closing
 * parenthesis, a literal's extent): `sqlTokens(text, start, end)` yields tokens with UTF-16
 * offsets, comments and blanks left out.
 */
export { sqlTokens } from './sql-lexer.js';
export type { SqlToken } from './sql-lexer.js';

/** Converts a UTF-16 offset to a 1-based line and column; `LineIndex` does it for many offsets of one text. */
export { LineIndex, positionAt } from './source-text.js';

/** Where the documentation is published: the repository and each rule's https page. */
export { repositoryUrl, ruleDocsUrl } from './docs-url.js';
export type { RuleDocsPackage } from './docs-url.js';

const cache = new AnalysisCache(2000);
// Template-literal analyses are keyed by hole positions and text together, apart from plain texts.
const templateCache = new AnalysisCache(2000);

/**
 * Reports what `text` does to session state: setting writes and reads, transaction control, and
 * session state that breaks under transaction pooling, each with its exact range. Facts found in
 * DO blocks, function bodies and `EXECUTE 'literal'` strings are mapped back into `text`.
 *
 * Synchronous and never throws for bad input: text that does not parse returns `error`. Results
 * are frozen and cached by text (bounded LRU, see `setAnalysisCacheSize`).
 */
export function analyzeSql(text: string, options?: ParseOptions): SqlAnalysis {
  if (typeof text !== 'string') {
    return { error: { message: `expected SQL text, got ${typeof text}`, offset: 0, line: 1, column: 1 }, statements: [], facts: [] };
  }
  if (options?.holes && options.holes.length > 0) {
    const key = options.holes.map((h) => `${h.start}:${h.end}`).join(',') + '|' + text;
    return templateCache.get(key) ?? templateCache.set(key, analyzeSqlUncached(text, options));
  }
  return cache.get(text) ?? cache.set(text, analyzeSqlUncached(text));
}

/** Analyzes without consulting or filling the cache (for measuring, or one-off huge texts). */
export { analyzeSqlUncached };

/** Sets how many distinct texts the analysis cache keeps (default 2000; 0 turns it off). */
export function setAnalysisCacheSize(maxEntries: number): void {
  cache.resize(maxEntries);
  templateCache.resize(maxEntries);
}

/** Empties the analysis cache. */
export function clearAnalysisCache(): void {
  cache.clear();
  templateCache.clear();
}
