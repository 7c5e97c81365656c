import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';
import { unqualifiedRelationNames } from '../unqualified-relations.js';

/** Whether a function's fixed search_path (as the model writes it: `a, b`) ends with pg_temp. */
function endsWithPgTemp(searchPath: string): boolean {
  const last = searchPath.split(',').pop()?.trim().replace(/^"|"$/g, '').toLowerCase();
  return last === 'pg_temp';
}

/**
 * A SECURITY DEFINER function without a fixed search_path, or with one that leaves the caller's
 * temporary schema first for a table name its body does not qualify.
 */
export const securityDefinerSearchPath = defineRule({
  id: 'security-definer-search-path',
  meta: {
    severity: 'error',
    description:
      'A SECURITY DEFINER function has no fixed search_path, or its search_path does not end with pg_temp while its body names a table without a schema: a caller can shadow the objects it uses and have them read or run with its owner\'s rights.',
    help: "Add SET search_path = pg_catalog, app, pg_temp (pg_temp last) to the function, or SET search_path = '' and qualify every table name (public.orders).",
    messages: {
      noSearchPath: 'SECURITY DEFINER function {{function}} has no fixed search_path: a caller can put their own objects first and run them with its owner\'s rights',
      tempSchemaFirst:
        'SECURITY DEFINER function {{function}} reads {{relation}} without a schema and its search_path ({{searchPath}}) does not end with pg_temp: PostgreSQL looks in the caller\'s temporary schema first, so a caller\'s temp table {{relation}} is read with the owner\'s rights',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const fn of context.model.functions.values()) {
      if (!fn.securityDefiner) continue;
      const name = `${displayName(fn.schema, fn.name)}(${fn.argumentTypes.join(', ')})`;
      if (fn.searchPath === null) {
        reports.push({ source: fn.source, messageId: 'noSearchPath', data: { function: name } });
        continue;
      }
      // FROM CURRENT takes the migration's path, which the model cannot see at run time.
      if (fn.searchPath === 'FROM CURRENT' || endsWithPgTemp(fn.searchPath)) continue;
      const relation = unqualifiedRelationNames(fn.bodyText)[0];
      if (relation === undefined) continue;
      reports.push({
        source: fn.searchPathSource ?? fn.source,
        messageId: 'tempSchemaFirst',
        data: { function: name, relation, searchPath: fn.searchPath === '' ? "''" : fn.searchPath },
      });
    }
    return reports;
  },
});
