import type { SqlAnalysis, SqlSyntaxError } from '@tenant-scope/sql-analyzer';
import { analyzeSql, mayAffectSessionState } from '@tenant-scope/sql-analyzer';
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import type { ConnectionContext } from './connection-kind.js';
import { mergeListeners } from './client-transactions.js';
import { kindOf } from './connection-kind.js';
import { executedOn } from './query-connection.js';
import { queryCoverageListener } from './query-coverage.js';
import { bindsQuestionMarks, withQuestionMarkParameters } from './question-mark-bindings.js';
import type { TenantScopeSettings } from './settings.js';
import { readSettings, TenantScopeSettingsError } from './settings.js';
import type { SqlText, SqlTextContext } from './sql-text.js';
import { boundTemplateText, calleeName, isParameterizingTag, resolveSqlText, withRoomForPlaceholders } from './sql-text.js';

/** Methods that send (or build) raw SQL: pg, postgres.js, mysql-style drivers, Prisma, Knex, Sequelize, TypeORM, Drizzle. */
export const rawQueryMethods: ReadonlySet<string> = new Set([
  'query',
  'execute',
  'unsafe',
  'raw',
  '$executeRaw',
  '$queryRaw',
  '$executeRawUnsafe',
  '$queryRawUnsafe',
  'executeQuery',
]);

/** SQL sent or built at one place in the file, with what the analyzer found in it. */
export interface SqlQuery {
  /** The call or tagged template that sends or builds the SQL. */
  node: TSESTree.CallExpression | TSESTree.TaggedTemplateExpression;
  /** The method or tag name: `query`, `$executeRawUnsafe`, `sql`. */
  method: string | null;
  /** What the SQL is sent on (`pool` in `pool.query(…)`), when there is such an object. */
  receiver: TSESTree.Node | null;
  sql: SqlText;
  analysis: SqlAnalysis;
}

/** Everything a rule needs to read queries of the file it lints. */
export interface SqlQueryContext extends ConnectionContext, SqlTextContext {
  settings: TenantScopeSettings;
  /** The linted file's path, as ESLint gives it. */
  filename: string;
}

/** Builds the shared context from a rule's context. */
export function sqlQueryContext(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): SqlQueryContext {
  const settings = readSettings(context);
  return { sourceCode: context.sourceCode, settings, sqlTags: settings.sqlTags, filename: context.filename };
}

/** Callbacks of `sqlQueryListener`. */
export interface SqlQueryHandlers {
  onQuery(query: SqlQuery): void;
  /** Text that does not parse as SQL (it is otherwise skipped). */
  onParseError?(query: Omit<SqlQuery, 'analysis'>, error: SqlSyntaxError): void;
  /** Set when `onParseError` reports: then every text is parsed, not only text that may hold a fact. */
  wantsParseErrors?: boolean;
  /** Text the analyzer failed on (it threw, for example on a stack overflow): nothing is known about it. */
  onUnanalyzable?(query: Omit<SqlQuery, 'analysis'>, reason: string): void;
}

/** A query found at one node: analyzed, with the reason its text does not parse, or with why the analyzer failed on it. */
type FoundQuery =
  | { query: SqlQuery; error: null }
  | { query: Omit<SqlQuery, 'analysis'>; error: SqlSyntaxError }
  | { query: Omit<SqlQuery, 'analysis'>; error: null; unanalyzable: string };

/**
 * The analysis of a text, or why the analyzer could not give one: deeply nested SQL (a long chain
 * of `+` or `OR`) can exhaust the stack in the walk over its parse tree.
 */
function analyzed(sql: SqlText): SqlAnalysis | { unanalyzable: string } {
  try {
    return analyzeSql(sql.text, sql.holes.length > 0 ? { holes: sql.holes } : undefined);
  } catch (error) {
    return { unanalyzable: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/**
 * The queries of one file, found once and shared by every rule that lints it in the same pass:
 * without this, each rule would resolve the same SQL text again.
 */
interface FileQueries {
  settings: TenantScopeSettings;
  /** Nodes whose SQL is read with an enclosing query (`db.execute(sql.raw(…))`). */
  consumed: WeakSet<TSESTree.Node>;
  found: WeakMap<TSESTree.Node, FoundQuery | null>;
  /** Whether some rule reports SQL that does not parse; otherwise text without any fact word is not parsed. */
  parseErrorsWanted: boolean;
}

// What a text with none of the words a fact needs is analyzed to (it is not parsed at all).
const NO_FACTS: SqlAnalysis = Object.freeze({ error: null, statements: [], facts: [] }) as unknown as SqlAnalysis;

const queriesByFile = new WeakMap<object, FileQueries>();

function fileQueriesOf(ctx: SqlQueryContext): FileQueries {
  const shared = queriesByFile.get(ctx.sourceCode);
  if (shared?.settings === ctx.settings) return shared;
  const created: FileQueries = { settings: ctx.settings, consumed: new WeakSet(), found: new WeakMap(), parseErrorsWanted: false };
  // Rules reading other settings (only possible when they are configured apart) keep their own.
  if (!shared) queriesByFile.set(ctx.sourceCode, created);
  return created;
}

function receiverOfTag(tag: TSESTree.Node): TSESTree.Node | null {
  if (tag.type === AST_NODE_TYPES.Identifier) return tag;
  if (tag.type === AST_NODE_TYPES.MemberExpression) return tag.object;
  return null;
}

/** Whether a call looks like `x.query(…)`: cheap, so that most calls of a file are passed over at once. */
function mayBeQueryCall(node: TSESTree.CallExpression): boolean {
  if (node.callee.type !== AST_NODE_TYPES.MemberExpression || node.arguments.length === 0) return false;
  const method = calleeName(node.callee);
  return method !== null && rawQueryMethods.has(method);
}

function queryOfCall(node: TSESTree.CallExpression, ctx: SqlQueryContext): Omit<SqlQuery, 'analysis'> | null {
  const argument = node.arguments[0];
  if (node.callee.type !== AST_NODE_TYPES.MemberExpression || !argument) return null;
  const resolved = resolveSqlText(argument, ctx);
  const sql = resolved && bindsQuestionMarks(node) ? withQuestionMarkParameters(resolved, node.arguments[1] ?? node) : resolved;
  return sql && { node, method: calleeName(node.callee), receiver: executedOn(node) ?? node.callee.object, sql };
}

function queryOfTag(node: TSESTree.TaggedTemplateExpression, ctx: SqlQueryContext): Omit<SqlQuery, 'analysis'> | null {
  const isQueryTag =
    isParameterizingTag(node.tag, ctx.sqlTags) || (node.tag.type === AST_NODE_TYPES.Identifier && kindOf(node.tag, ctx) !== 'unknown');
  if (!isQueryTag) return null;
  const sql = boundTemplateText(node, ctx);
  return sql && { node, method: calleeName(node.tag), receiver: executedOn(node) ?? receiverOfTag(node.tag), sql };
}

/** The query at `node`, found (and analyzed) by the first rule that asks, or null. */
function foundQuery<N extends SqlQuery['node']>(
  node: N,
  ctx: SqlQueryContext,
  shared: FileQueries,
  find: (node: N, ctx: SqlQueryContext) => Omit<SqlQuery, 'analysis'> | null,
): FoundQuery | null {
  const known = shared.found.get(node);
  if (known !== undefined) return known;
  let found: FoundQuery | null = null;
  try {
    const query = shared.consumed.has(node) ? null : find(node, ctx);
    if (query) {
      for (const source of query.sql.sourceNodes) {
        if (source.range[0] >= query.node.range[0] && source.range[1] <= query.node.range[1]) shared.consumed.add(source);
      }
      // Most application SQL has no word a fact needs; parsing it would only find nothing.
      if (!shared.parseErrorsWanted && !mayAffectSessionState(query.sql.text)) {
        found = { query: { ...query, analysis: NO_FACTS }, error: null };
      } else {
        const sql = withRoomForPlaceholders(query.sql);
        const fitted = sql === query.sql ? query : { ...query, sql };
        const analysis = analyzed(sql);
        if ('unanalyzable' in analysis) found = { query: fitted, error: null, unanalyzable: analysis.unanalyzable };
        else found = analysis.error ? { query: fitted, error: analysis.error } : { query: { ...fitted, analysis }, error: null };
      }
    }
  } catch {
    // An AST shape this plugin did not foresee must not fail the user's lint run.
  }
  shared.found.set(node, found);
  return found;
}

/**
 * Visits every place in the file that sends or builds SQL whose text is known, and hands each to
 * `handlers` once. SQL nested in another query's argument (`db.execute(sql.raw(…))`) is handled
 * with the outer call. Exceptions from unexpected code shapes are swallowed: a lint run never fails here.
 */
export function sqlQueryListener(ctx: SqlQueryContext, handlers: SqlQueryHandlers): TSESLint.RuleListener {
  const shared = fileQueriesOf(ctx);
  if (handlers.wantsParseErrors) shared.parseErrorsWanted = true;
  const deliver = (found: FoundQuery | null): void => {
    if (!found) return;
    try {
      if ('unanalyzable' in found) handlers.onUnanalyzable?.(found.query, found.unanalyzable);
      else if (found.error) handlers.onParseError?.(found.query, found.error);
      else handlers.onQuery(found.query);
    } catch {
      // See foundQuery.
    }
  };
  return mergeListeners(queryCoverageListener(ctx), {
    CallExpression(node): void {
      if (mayBeQueryCall(node)) deliver(foundQuery(node, ctx, shared, queryOfCall));
    },
    TaggedTemplateExpression(node): void {
      deliver(foundQuery(node, ctx, shared, queryOfTag));
    },
  });
}

/**
 * The analyzed query at a call or tagged template, from the same per-file cache the listeners
 * fill, or null when the node sends no SQL whose text is known (or the text does not parse).
 */
export function sqlQueryAt(node: TSESTree.Node, ctx: SqlQueryContext): SqlQuery | null {
  const shared = fileQueriesOf(ctx);
  let found: FoundQuery | null = null;
  if (node.type === AST_NODE_TYPES.CallExpression && mayBeQueryCall(node)) found = foundQuery(node, ctx, shared, queryOfCall);
  else if (node.type === AST_NODE_TYPES.TaggedTemplateExpression) found = foundQuery(node, ctx, shared, queryOfTag);
  return found && !found.error && !('unanalyzable' in found) ? found.query : null;
}

/** Runs `report` and swallows what an unforeseen AST shape might throw, so one odd query cannot fail a lint run. */
export function safely(report: () => void): void {
  try {
    report();
  } catch (error) {
    // A configuration mistake must stop the run, like invalid settings; anything else is an unforeseen code shape.
    if (error instanceof TenantScopeSettingsError) throw error;
  }
}
