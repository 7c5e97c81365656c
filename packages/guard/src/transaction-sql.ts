import { createRequire } from 'node:module';
import type { TenantTransactionOptions } from './scope-options.js';

// node-postgres exports its lib folder (`pg/lib/*`); escapeLiteral doubles quotes and backslashes
// and writes `E'…'` when there are backslashes, so the literal reads the same whatever
// standard_conforming_strings says.
const { escapeLiteral } = createRequire(import.meta.url)('pg/lib/utils.js') as { escapeLiteral: (value: string) => string };

/** `value` as an SQL string literal, safe under any standard_conforming_strings. */
export function quoteLiteral(value: string): string {
  return escapeLiteral(value);
}

// Every function and relation the guard names is schema-qualified (pg_catalog.…), so a
// search_path that puts look-alikes first cannot replace them. Setting names are checked against
// a strict pattern when the scope is created, so quoting them as literals is safe.
function literal(name: string): string {
  return `'${name.replaceAll("'", "''")}'`;
}

/** Prefix of the error the guard's own statements raise (as an integer cast of this text) to fail a transaction. */
export const FAILURE_MARKER = 'tenant-scope ';
const ARRIVAL = `${FAILURE_MARKER}arrival: `;
const CHANGED = `${FAILURE_MARKER}context-changed: `;

/** `BEGIN` with the requested transaction modes; only fixed keywords are written into it. */
export function beginSql(options: TenantTransactionOptions = {}): string {
  const modes: string[] = [];
  if (options.isolationLevel !== undefined) {
    const level = { 'read committed': 'READ COMMITTED', 'repeatable read': 'REPEATABLE READ', serializable: 'SERIALIZABLE' }[options.isolationLevel];
    if (level === undefined) throw new TypeError(`unknown isolation level ${JSON.stringify(options.isolationLevel)}`);
    modes.push(`ISOLATION LEVEL ${level}`);
  }
  if (options.readOnly !== undefined) modes.push(options.readOnly ? 'READ ONLY' : 'READ WRITE');
  if (options.deferrable !== undefined) modes.push(options.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return modes.length === 0 ? 'BEGIN' : `BEGIN ${modes.join(', ')}`;
}

/** One arrival check: when the connection is off, and how the reason reads. */
interface ArrivalCheckSql {
  when: string;
  reason: string;
}

/** The arrival checks, given SQL expressions for the login role and the search_path of a clean session. */
function arrivalChecks(gucs: readonly string[], login: string, defaultPath: string): ArrivalCheckSql[] {
  return [
    ...gucs.map((guc) => ({ when: `pg_catalog.current_setting(${literal(guc)}, true) <> ''`, reason: literal(guc) })),
    { when: 'current_user <> session_user', reason: `'role ' || current_user` },
    { when: `session_user <> ${login}`, reason: `'session user ' || session_user` },
    { when: `pg_catalog.current_setting('search_path') <> ${defaultPath}`, reason: `'search_path'` },
    { when: 'pg_catalog.pg_my_temp_schema() <> 0', reason: literal(TEMP_SCHEMA) },
  ];
}

const SERVER_DEFAULT_PATH = `(SELECT s.reset_val FROM pg_catalog.pg_settings s WHERE s.name = 'search_path')`;

/**
 * What the guard's own statements compare and set, as SQL literals (`quoteLiteral`): the guard sends its statements as simple-protocol text, one
 * message each, which costs the server and the client less than binding parameters.
 */
export interface ScopeLiterals {
  /** Each context value, in the order of the scope's settings. */
  values: readonly string[];
  /** The pool's login role, or `NULL` when the client does not say. */
  login: string;
  /** The search_path a clean session starts with, or undefined until it is known (then the server's default is read). */
  searchPath: string | undefined;
}

/**
 * The message that starts a tenant transaction: `begin` and the context statement, which checks
 * what the connection arrived with and sets each context setting for this transaction.
 *
 * The connection is off when a context setting already has a value, the role is not the login
 * role (SET ROLE, a role default `ALTER ROLE … SET role`), the session user is not the login role,
 * search_path is not the default, or the session ever made a temp schema (whether it still holds
 * temp objects is read only then). Then the statement fails, so nothing pipelined after it (fn's
 * first statement) runs. The checks are one OR of scalar comparisons (no subquery to plan, except
 * the read of the default on a scope's first arrival): which of them failed is read after the
 * rollback, by `arrivalResetSql`, since the session keeps what it arrived with. The target list is
 * evaluated in order: the checks read the connection as it arrived, before the writes that follow.
 */
export function enterSql(gucs: readonly string[], begin: string, literals: ScopeLiterals): string {
  const defaultPath = literals.searchPath === undefined ? SERVER_DEFAULT_PATH : `${literals.searchPath}::pg_catalog.text`;
  const off = arrivalChecks(gucs, `${literals.login}::pg_catalog.text`, defaultPath)
    .map((check) => check.when)
    .join(' OR ');
  const columns = [
    // current_user only makes the text non-constant, so that the planner does not raise the error itself.
    `CASE WHEN ${off} THEN CAST(${literal(ARRIVAL)} || current_user AS pg_catalog.int4) END AS arrival`,
    `pg_catalog.current_setting('search_path') AS search_path`,
    // Session advisory locks left by earlier work are released (they cannot be read cheaply).
    `pg_catalog.pg_advisory_unlock_all() AS unlocked`,
    ...gucs.map((guc, i) => `pg_catalog.set_config(${literal(guc)}, ${literals.values[i] ?? "''"}, true) AS set_${i}`),
  ];
  return `${begin}; SELECT ${columns.join(', ')}`;
}

/** What the context statement names for a session that ever made a temp schema. */
export const TEMP_SCHEMA = 'temp schema';

/** The role an arrival failure ran as (which checks failed is read by `arrivalResetSql`), or undefined for another error. */
export function arrivalFailure(error: unknown): string | undefined {
  return markedFailure(error, ARRIVAL);
}

/** What a failed verification named, or undefined for another error. */
export function contextChangedFailure(error: unknown): string | undefined {
  return markedFailure(error, CHANGED);
}

function markedFailure(error: unknown, marker: string): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '22P02' || typeof message !== 'string') return undefined;
  const at = message.indexOf(marker);
  return at < 0 ? undefined : message.slice(at + marker.length).replace(/"$/, '');
}

/**
 * The check sent just before COMMIT, in the same message: fails the transaction (so the COMMIT
 * that follows never runs) when a context setting no longer holds the value the scope set
 * (`values`, quoted literals) or the role is no longer the session's own, naming the first that
 * differs. One CASE: when nothing differs it is null, and so is the text it would cast. A
 * transaction-local search_path stays allowed.
 */
export function verifySql(gucs: readonly string[], values: readonly string[]): string {
  const branches = [
    ...gucs.map((guc, i) => `WHEN pg_catalog.current_setting(${literal(guc)}, true) IS DISTINCT FROM ${values[i] ?? "''"}::pg_catalog.text THEN ${literal(guc)}`),
    `WHEN current_user <> session_user THEN 'role ' || current_user`,
  ];
  return `SELECT CAST(${literal(CHANGED)} || CASE ${branches.join(' ')} END AS pg_catalog.int4) AS verified`;
}

/**
 * The session check sent right after COMMIT in `warn`/`throw` mode, in the same message (so on the
 * same server connection, also through PgBouncer): reads each context setting's session-level
 * value (`survived_<i>`), empties it and releases session advisory locks.
 */
export function sessionCheckSql(gucs: readonly string[]): string {
  const columns = [
    ...gucs.map((guc, i) => `pg_catalog.current_setting(${literal(guc)}, true) AS survived_${i}`),
    ...gucs.map((guc, i) => `CASE WHEN pg_catalog.current_setting(${literal(guc)}, true) <> '' THEN pg_catalog.set_config(${literal(guc)}, '', false) END AS cleared_${i}`),
    `pg_catalog.pg_advisory_unlock_all() AS unlocked`,
  ];
  return `SELECT ${columns.join(', ')}`;
}

/**
 * Sent right after COMMIT (same message) when a statement's text named WITH HOLD, LISTEN or
 * PREPARE: the server closes its own session if it holds a WITH HOLD cursor, a LISTEN or an SQL
 * prepared statement, so no later user of the server connection sees them.
 */
export const SESSION_STATE_PROBE_SQL =
  'SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_cursor() p WHERE p.is_holdable UNION ALL SELECT FROM pg_catalog.pg_listening_channels() ' +
  'UNION ALL SELECT FROM pg_catalog.pg_prepared_statement() s WHERE s.from_sql) THEN pg_catalog.pg_terminate_backend(pg_catalog.pg_backend_pid()) END AS closed';

/**
 * Ends what is left of a session whose state is off, in the message that ends its transaction:
 * back to the login role (so it may signal its own backend), then the server closes the session
 * itself. A new session has no settings, temp objects, cursors, LISTENs, prepared statements or
 * locks of its own; PgBouncer replaces the server connection.
 */
export const CLOSE_SESSION_SQL = 'RESET SESSION AUTHORIZATION; SET ROLE NONE; SELECT pg_catalog.pg_terminate_backend(pg_catalog.pg_backend_pid())';

/**
 * After an arrival failure, on the same server connection (the failed transaction holds it, also
 * through PgBouncer): ends the transaction, reads which arrival checks failed (`reasons`; the
 * session still holds what it arrived with), the role and database defaults the session starts
 * with (to tell a leak from a default) and whether temp objects exist, and closes the session.
 * `login` and `searchPath` are quoted literals (or null/undefined: unknown, as in `enterSql`).
 */
export function arrivalResetSql(gucs: readonly string[], login: string | null, searchPath: string | undefined): string {
  const checks = arrivalChecks(gucs, login === null ? 'NULL::pg_catalog.text' : `${login}::pg_catalog.text`, searchPath === undefined ? SERVER_DEFAULT_PATH : `${searchPath}::pg_catalog.text`);
  const reasons = `pg_catalog.concat_ws(', ', ${checks.map((check) => `CASE WHEN ${check.when} THEN ${check.reason} END`).join(', ')}) AS reasons`;
  return [
    'ROLLBACK',
    `SELECT pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.unnest(d.setconfig) FROM pg_catalog.pg_db_role_setting d ` +
      `WHERE d.setrole IN (0, (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = session_user)) ` +
      `AND d.setdatabase IN (0, (SELECT b.oid FROM pg_catalog.pg_database b WHERE b.datname = pg_catalog.current_database()))), e'\\n') AS defaults, ` +
      `EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.relnamespace = pg_catalog.pg_my_temp_schema()) AS temp_objects, ${reasons}`,
    CLOSE_SESSION_SQL,
  ].join('; ');
}

/** The non-empty values in a row of `afterEndSql` (`survived_`), by setting index. */
export function nonEmptyValues(row: Record<string, unknown> | undefined, prefix: 'survived_', count: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = row?.[`${prefix}${i}`];
    if (typeof value === 'string' && value !== '') found.push(i);
  }
  return found;
}
