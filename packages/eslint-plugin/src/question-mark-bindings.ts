/**
 * Knex (`db.raw(text, bindings)`) and Sequelize (`{ replacements }`) write bound values as `?`,
 * which PostgreSQL's parser rejects. Each `?` is read as a bound parameter so the text parses.
 */
import { sqlTokens } from '@tenant-scope/sql-analyzer';
import type { TemplateHole } from '@tenant-scope/sql-analyzer';
import type { TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import type { SqlText } from './sql-text.js';
import { calleeName } from './sql-text.js';

const isBlank = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);

/** Whether a call binds `?` placeholders: Knex's `raw(text, bindings)`, Sequelize's `query(text, { replacements })`. */
export function bindsQuestionMarks(call: TSESTree.CallExpression): boolean {
  if (calleeName(call.callee) === 'raw' && call.arguments.length >= 2) return true;
  return call.arguments.slice(1).some(
    (argument) =>
      argument.type === AST_NODE_TYPES.ObjectExpression &&
      argument.properties.some((property) => property.type === AST_NODE_TYPES.Property && !property.computed && calleeName(property.key) === 'replacements'),
  );
}

/**
 * The text with each `?` placeholder (outside strings, comments and existing holes) made a bound
 * parameter. Where a blank is beside the `?`, the two become a hole of the parser's `$n`, so
 * offsets still map onto the source; otherwise the text is rewritten and reported on its node.
 */
export function withQuestionMarkParameters(sql: SqlText, bindings: TSESTree.Node): SqlText {
  const insideHole = (offset: number): boolean => sql.holes.some((hole) => offset >= hole.start && offset < hole.end);
  const marks = [...sqlTokens(sql.text, 0)].filter((token) => token.lower === '?' && !insideHole(token.start));
  if (marks.length === 0) return sql;
  const holes: TemplateHole[] = [];
  for (const mark of marks) {
    if (isBlank(sql.text[mark.start - 1]) && !insideHole(mark.start - 1)) holes.push({ start: mark.start - 1, end: mark.end });
    else if (isBlank(sql.text[mark.end]) && !insideHole(mark.end)) holes.push({ start: mark.start, end: mark.end + 1 });
    else break;
  }
  if (holes.length === marks.length) {
    const all = [...sql.holes.map((hole, index) => ({ hole, spliced: sql.splicedHoles[index] ?? true, expression: sql.holeExpressions[index] ?? bindings }))];
    for (const hole of holes) all.push({ hole, spliced: false, expression: bindings });
    all.sort((a, b) => a.hole.start - b.hole.start);
    return { ...sql, holes: all.map((h) => h.hole), splicedHoles: all.map((h) => h.spliced), holeExpressions: all.map((h) => h.expression) };
  }
  // A `?` with no blank beside it: rewrite the text (only when it has no holes whose offsets would move).
  if (sql.holes.length > 0) return sql;
  let highest = 0;
  for (const match of sql.text.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  let text = '';
  let at = 0;
  for (const mark of marks) {
    text += `${sql.text.slice(at, mark.start)}$${++highest}`;
    at = mark.end;
  }
  return { ...sql, text: text + sql.text.slice(at), sourceStart: null };
}
