/**
 * Cheap pre-tests on the text: the words every fact needs. A text without any of them cannot
 * produce a fact, so callers that see much SQL (and the walk, for bodies) skip it unparsed.
 */

/**
 * Every fact needs one of these words in the SQL that produces it (transactions cannot begin
 * inside a function or DO block, so BEGIN/START/END are left out: PL/pgSQL blocks use them).
 */
export const FACT_WORDS =
  /\b(?:set|reset|set_config|current_setting|show|discard|commit|rollback|abort|savepoint|release|prepare|deallocate|listen|unlisten|temp|temporary|hold|load|pg_(?:try_)?advisory_\w+)\b|u&/i;

/** The same words at the top level, where transactions can also begin (BEGIN, START, END). */
const TOP_LEVEL_FACT_WORDS = new RegExp(`${FACT_WORDS.source}|\\b(?:begin|start|end)\\b`, 'i');

/**
 * False when `text` cannot produce any fact: it has none of the words every fact needs (a
 * quoted or Unicode-escaped name cannot spell them either without `U&`). A cheap test for callers
 * that see much SQL and need only facts; `analyzeSql` would still report a syntax error.
 */
export function mayAffectSessionState(text: string): boolean {
  return TOP_LEVEL_FACT_WORDS.test(text);
}

/**
 * Inside a data statement (INSERT, UPDATE, DELETE, MERGE, SELECT, VALUES), a GRANT, a COMMENT or a
 * CREATE INDEX only a function call (set_config, current_setting, advisory locks) or SELECT INTO
 * TEMP can produce a fact, so the SET of an UPDATE does not count here.
 */
const DATA_STATEMENT_FACT_WORDS = /\b(?:set_config|current_setting|temp|temporary|pg_(?:try_)?advisory_\w+)\b|u&/i;

/**
 * `mayAffectSessionState` for the text of one data statement (INSERT, UPDATE, DELETE, MERGE,
 * SELECT, VALUES), GRANT, REVOKE, COMMENT or CREATE INDEX: false when it cannot produce any fact.
 * Only for those statements; other text needs `mayAffectSessionState`.
 */
export function dataStatementMayAffectSessionState(text: string): boolean {
  return DATA_STATEMENT_FACT_WORDS.test(text);
}
