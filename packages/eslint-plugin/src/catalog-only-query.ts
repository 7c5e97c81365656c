/**
 * Queries that cannot read tenant data whatever the schema: a `SELECT` (or `SHOW`) that reads no
 * table but PostgreSQL's own catalogs and calls no function but a few built-ins (`select 1`, a
 * health check's `select now()`, `select 1 from pg_roles where …`, an `information_schema` lookup).
 */
import { calledFunctionName, parseSql, statementTree, walkTree } from '@tenant-scope/sql-analyzer';
import type { TSESTree } from '@typescript-eslint/utils';
import type { SqlQueryContext } from './sql-queries.js';
import { sqlQueryAt } from './sql-queries.js';
import { withRoomForPlaceholders } from './sql-text.js';

const catalogSchemas = new Set(['pg_catalog', 'information_schema']);
/** Built-in functions health checks and catalog lookups call; a function named `pg_…` is PostgreSQL's too. */
const builtinFunctions = new Set([
  'now', 'version', 'current_setting', 'current_database', 'current_schema', 'current_user', 'session_user',
  'count', 'coalesce', 'nullif', 'greatest', 'least', 'clock_timestamp', 'statement_timestamp', 'txid_current',
  'to_regclass', 'has_table_privilege', 'has_schema_privilege', 'format_type', 'obj_description', 'col_description',
]);
const readingStatements = new Set(['SelectStmt', 'VariableShowStmt']);

/** Whether the query at `node` reads only PostgreSQL's catalogs and built-ins (false when its text is not known or does not parse). */
export function readsOnlyCatalogs(node: TSESTree.Node, ctx: SqlQueryContext): boolean {
  const query = sqlQueryAt(node, ctx);
  if (!query) return false;
  const sql = withRoomForPlaceholders(query.sql);
  try {
    const parsed = parseSql(sql.text, sql.holes.length > 0 ? { holes: sql.holes } : {});
    if (parsed.error || parsed.statements.length === 0) return false;
    let catalogOnly = true;
    for (const statement of parsed.statements) {
      if (!readingStatements.has(statement.type)) return false;
      walkTree(statementTree(statement), (type, body) => {
        if (type === 'RangeVar') {
          const schema = body.schemaname?.toLowerCase();
          const name = body.relname?.toLowerCase() ?? '';
          if (schema ? !catalogSchemas.has(schema) : !name.startsWith('pg_')) catalogOnly = false;
        } else if (type === 'FuncCall') {
          const { schema, name } = calledFunctionName(body);
          if (schema ? schema !== 'pg_catalog' : !builtinFunctions.has(name) && !name.startsWith('pg_')) catalogOnly = false;
        }
        return catalogOnly;
      });
      if (!catalogOnly) return false;
    }
    return catalogOnly;
  } catch {
    // A stack overflow on deeply nested SQL: nothing is known about the text.
    return false;
  }
}
