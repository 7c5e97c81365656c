import type { SqlAnalysis, SqlSyntaxError } from '@tenant-scope/sql-analyzer';
import { analyzeSql } from '@tenant-scope/sql-analyzer';
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import type { ConnectionContext } from './connection-kind.js';
import { kindOf } from './connection-kind.js';
import type { TenantScopeSettings } from './settings.js';
import { readSettings } from './settings.js';
import type { SqlText, SqlTextContext } from './sql-text.js';
import { boundTemplateText, calleeName, isParameterizingTag, resolveSqlText } from './sql-text.js';

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
}

/** Builds the shared context from a rule's context. */
export function sqlQueryContext(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): SqlQueryContext {
  const settings = readSettings(context);
  return { sourceCode: context.sourceCode, settings, sqlTags: settings.sqlTags };
}

/** Callbacks of `sqlQueryListener`. */
export interface SqlQueryHandlers {
  onQuery(query: SqlQuery): void;
  /** Text that does not parse as SQL (it is otherwise skipped). */
  onParseError?(query: Omit<SqlQuery, 'analysis'>, error: SqlSyntaxError): void;
}

function receiverOfTag(tag: TSESTree.Node): TSESTree.Node | null {
  if (tag.type === AST_NODE_TYPES.Identifier) return tag;
  if (tag.type === AST_NODE_TYPES.MemberExpression) return tag.object;
  return null;
}

/**
 * Visits every place in the file that sends or builds SQL whose text is known, and hands each to
 * `handlers` once. SQL nested in another query's argument (`db.execute(sql.raw(…))`) is handled
 * with the outer call. Exceptions from unexpected code shapes are swallowed: a lint run never fails here.
 */
export function sqlQueryListener(ctx: SqlQueryContext, handlers: SqlQueryHandlers): TSESLint.RuleListener {
  const consumed = new WeakSet<TSESTree.Node>();

  const handle = (query: Omit<SqlQuery, 'analysis'>): void => {
    for (const source of query.sql.sourceNodes) {
      if (source.range[0] >= query.node.range[0] && source.range[1] <= query.node.range[1]) consumed.add(source);
    }
    const analysis = analyzeSql(query.sql.text, query.sql.holes.length > 0 ? { holes: query.sql.holes } : undefined);
    if (analysis.error) handlers.onParseError?.(query, analysis.error);
    else handlers.onQuery({ ...query, analysis });
  };

  return {
    CallExpression(node): void {
      try {
        if (consumed.has(node) || node.callee.type !== AST_NODE_TYPES.MemberExpression) return;
        const method = calleeName(node.callee);
        const argument = node.arguments[0];
        if (method === null || !rawQueryMethods.has(method) || !argument) return;
        const sql = resolveSqlText(argument, ctx);
        if (sql) handle({ node, method, receiver: node.callee.object, sql });
      } catch {
        // An AST shape this plugin did not foresee must not fail the user's lint run.
      }
    },
    TaggedTemplateExpression(node): void {
      try {
        if (consumed.has(node)) return;
        const receiver = receiverOfTag(node.tag);
        const method = calleeName(node.tag);
        const isQueryTag =
          isParameterizingTag(node.tag, ctx.sqlTags) ||
          (node.tag.type === AST_NODE_TYPES.Identifier && kindOf(node.tag, ctx) !== 'unknown');
        if (!isQueryTag) return;
        const sql = boundTemplateText(node, ctx);
        if (sql) handle({ node, method, receiver, sql });
      } catch {
        // See CallExpression.
      }
    },
  };
}

/** Runs `report` and swallows what an unforeseen AST shape might throw, so one odd query cannot fail a lint run. */
export function safely(report: () => void): void {
  try {
    report();
  } catch {
    // Deliberately ignored: see sqlQueryListener.
  }
}
