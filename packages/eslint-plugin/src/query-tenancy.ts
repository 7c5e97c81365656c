/**
 * What a query outside a tenant scope touches, by the project's schema (see project-schema.ts):
 * its text is parsed and the relations and functions it names are looked up. Text that is not
 * known, does not parse, or names what the history does not define is `unknown`.
 */
import { parseSql, statementTree } from '@tenant-scope/sql-analyzer';
import type { TSESTree } from '@typescript-eslint/utils';
import type { QueryTenancy, TenantSchema } from './project-schema.js';
import type { SqlQueryContext } from './sql-queries.js';
import { sqlQueryAt } from './sql-queries.js';
import { withRoomForPlaceholders } from './sql-text.js';

const NOT_KNOWN: QueryTenancy = { kind: 'unknown', name: 'SQL text not known' };

/** What the query at `node` touches under `schema`. */
export function queryTenancy(node: TSESTree.Node, schema: TenantSchema, ctx: SqlQueryContext): QueryTenancy {
  const query = sqlQueryAt(node, ctx);
  if (!query) return NOT_KNOWN;
  const sql = withRoomForPlaceholders(query.sql);
  try {
    const parsed = parseSql(sql.text, sql.holes.length > 0 ? { holes: sql.holes } : {});
    if (parsed.error) return NOT_KNOWN;
    return schema.tenancyOf(parsed.statements.map(statementTree));
  } catch {
    // A stack overflow on deeply nested SQL: nothing is known about the text.
    return NOT_KNOWN;
  }
}
