/**
 * The relation names a function body uses without a schema (`FROM orders`, not `FROM
 * public.orders`), read from its tokens so that SQL and PL/pgSQL bodies are read alike. Such a
 * name is looked up in the caller's temporary schema first unless the function's `search_path`
 * lists `pg_temp` last: a caller's temp table of the same name is read with the owner's rights.
 */
import { sqlTokens } from '@tenant-scope/sql-analyzer';
import type { SqlToken } from '@tenant-scope/sql-analyzer';

// Keywords after which a relation name follows (INTO only after INSERT or MERGE: PL/pgSQL's
// SELECT … INTO names a variable).
const BEFORE_RELATION = new Set(['from', 'join', 'update', 'into']);
const INTO_AFTER = new Set(['insert', 'merge']);
// A FROM inside these calls is part of their syntax, not a table list: extract(day FROM x).
const FROM_IN_CALL = new Set(['extract', 'substring', 'trim', 'overlay', 'position']);
// UPDATE after these is a clause, not a statement: FOR [NO KEY] UPDATE (locking), ON CONFLICT … DO UPDATE.
const UPDATE_CLAUSE_AFTER = new Set(['for', 'key', 'do']);
// What may stand between FETCH/MOVE and the FROM or IN before a cursor's name (FETCH NEXT FROM c, MOVE FORWARD 5 IN c).
const FETCH_DIRECTION = new Set(['next', 'prior', 'first', 'last', 'absolute', 'relative', 'forward', 'backward', 'all']);
// Words that can follow FROM/JOIN without being a relation name.
const NOT_A_NAME = new Set(['lateral', 'only', 'select', 'with', 'values', 'rows', 'unnest', 'generate_series', 'jsonb_array_elements', 'json_array_elements', 'jsonb_each', 'json_each', 'jsonb_to_recordset', 'json_to_recordset', 'jsonb_array_elements_text', 'json_array_elements_text', 'regexp_split_to_table', 'string_to_table']);

/** Names the body defines itself (`WITH name AS (…)`), which are not looked up on the path. */
function cteNames(tokens: readonly SqlToken[]): Set<string> {
  const names = new Set<string>();
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    const after = tokens[i + 2];
    if (token.tokenName === 'IDENT' && next?.lower === 'as' && (after?.tokenName === '(' || after?.lower === 'materialized' || after?.lower === 'not')) names.add(token.lower);
  });
  return names;
}

/** Whether the FROM at `at` is FETCH's or MOVE's, before a cursor's name (PL/pgSQL `FETCH NEXT FROM c INTO r`). */
function namesCursor(tokens: readonly SqlToken[], at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (FETCH_DIRECTION.has(tokens[i]?.lower ?? '') || tokens[i]?.tokenName === 'NUMBER' || tokens[i]?.lower === '-')) i--;
  const word = tokens[i]?.lower;
  return word === 'fetch' || word === 'move';
}

/** The unqualified relation names of a function body, lowercased, in order of first use. */
export function unqualifiedRelationNames(body: string): string[] {
  const tokens = [...sqlTokens(body, 0)];
  const defined = cteNames(tokens);
  const calls: string[] = [];
  const found = new Set<string>();
  tokens.forEach((token, i) => {
    if (token.tokenName === '(') calls.push(tokens[i - 1]?.tokenName === 'IDENT' ? (tokens[i - 1]?.lower ?? '') : '');
    if (token.tokenName === ')') calls.pop();
    if (token.tokenName !== 'IDENT' || !BEFORE_RELATION.has(token.lower)) return;
    const previous = tokens[i - 1]?.lower ?? '';
    if (token.lower === 'into' && !INTO_AFTER.has(previous)) return;
    if (token.lower === 'update' && UPDATE_CLAUSE_AFTER.has(previous)) return;
    if (token.lower === 'from' && (FROM_IN_CALL.has(calls[calls.length - 1] ?? '') || previous === 'distinct' || namesCursor(tokens, i))) return;
    const name = tokens[i + 1];
    if (!name || name.tokenName !== 'IDENT' || NOT_A_NAME.has(name.lower)) return;
    const after = tokens[i + 2];
    if (after?.tokenName === '.' || after?.tokenName === '(') return;
    const unquoted = body.startsWith('"', name.start) ? body.slice(name.start + 1, name.end - 1) : name.lower;
    if (!defined.has(unquoted)) found.add(unquoted);
  });
  return [...found];
}
