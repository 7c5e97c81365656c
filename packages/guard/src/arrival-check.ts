import type pg from 'pg';
import type { AssertionMode } from './scope-options.js';
import { arrivalResetSql, enterSql, quoteLiteral, TEMP_SCHEMA } from './transaction-sql.js';

/** How many connections in a row may arrive off before the scope gives up. */
const ATTEMPTS = 3;
// What the context statement names for session state (see enterSql), as opposed to settings.
const SESSION_STATE = new Set(['temp objects']);
// Settings whose role or database default makes every new session arrive off.
const SESSION_SETTINGS = ['role', 'session_authorization', 'search_path'];

/** What to do after a connection arrived off: it was reset; take another or fail. */
export interface ArrivalVerdict {
  /** False when there was nothing to report (a temp schema without temp objects: only the session was replaced). */
  report: boolean;
  /** `session-state` when the connection carried only session state (temp objects, cursors, …), else `leaked-context`. */
  code: 'leaked-context' | 'session-state';
  retry: boolean;
  message: string;
  fix: string | undefined;
}

/**
 * The arrival checks of one scope: the context statement that reads what a connection arrived
 * with (context values, role, session user, search_path) before setting the context, the
 * search_path a clean session of the pool starts with (read from the server once), and what is
 * done with a connection that arrived off.
 */
export class ArrivalCheck {
  /** The search_path of a clean session of this pool; learned from the first clean arrival. */
  searchPath: string | undefined;

  constructor(private readonly gucs: readonly string[]) {}

  /**
   * The message that starts a transaction on `client`: `begin` and the context statement setting
   * the quoted `values`, with the pool's login role and the known search_path (the server's
   * default is read until it is known).
   */
  enterSql(client: pg.PoolClient, begin: string, values: readonly string[]): string {
    const login = this.login(client);
    return enterSql(this.gucs, begin, {
      values,
      login: login === null ? 'NULL' : quoteLiteral(login),
      searchPath: this.searchPath === undefined ? undefined : quoteLiteral(this.searchPath),
    });
  }

  /** The pool's login role, as the client knows it. */
  private login(client: pg.PoolClient): string | null {
    const user = (client as unknown as { user?: unknown }).user;
    return typeof user === 'string' && user !== '' ? user : null;
  }

  /** Remembers the search_path of a connection that passed the checks (it equals the server's default). */
  learn(row: Record<string, unknown> | undefined): void {
    const path = row?.search_path;
    if (this.searchPath === undefined && typeof path === 'string') this.searchPath = path;
  }

  /**
   * Ends the failed transaction and closes the session, on the same server connection; reads
   * which checks failed, and which role or database defaults the session starts with, to tell a
   * leak (take another connection) from a default every new session has (fail, and say where it
   * is). `client` is the connection's, for its login role.
   */
  async reset(send: (sql: string) => Promise<{ rows: Record<string, unknown>[][] }>, client: pg.PoolClient, mode: AssertionMode, attempt: number): Promise<ArrivalVerdict> {
    const login = this.login(client);
    const { rows } = await send(arrivalResetSql(this.gucs, login === null ? null : quoteLiteral(login), this.searchPath === undefined ? undefined : quoteLiteral(this.searchPath)));
    const found = String(rows[1]?.[0]?.reasons ?? '');
    // A temp schema outlives its objects: it counts only when temp objects are still there.
    const tempObjects = rows[1]?.[0]?.temp_objects === true;
    const reasons = found.split(', ').filter((reason) => reason !== '').flatMap((reason) => (reason !== TEMP_SCHEMA ? [reason] : tempObjects ? ['temp objects'] : []));
    if (reasons.length === 0) return { code: 'session-state', report: false, retry: attempt < ATTEMPTS, message: 'a session with an empty temp schema was replaced', fix: undefined };
    const what = reasons.join(', ');
    const code = reasons.every((reason) => SESSION_STATE.has(reason)) ? 'session-state' : 'leaked-context';
    const defaults = String(rows[1]?.[0]?.defaults ?? '')
      .split('\n')
      .filter((line) => line !== '');
    const watched = new Set([...SESSION_SETTINGS, ...this.gucs]);
    const fromDefaults = defaults.filter((line) => watched.has(line.slice(0, line.indexOf('=')).toLowerCase()));
    if (fromDefaults.length > 0) {
      const names = fromDefaults.map((line) => line.slice(0, line.indexOf('=')));
      return {
        code,
        report: true,
        retry: false,
        message: `every new session of this role starts with ${names.join(', ')} set by a role or database default (${fromDefaults.join(', ')}): the connection arrived with ${what}; the session was closed and fn did not run`,
        fix: `remove the default with ALTER ROLE <application role> RESET ${names[0]} (or ALTER DATABASE <database> RESET ${names[0]}): the context settings, the role and search_path must not have defaults that differ from a clean session`,
      };
    }
    const arrived = `the connection arrived with ${what} left by earlier work on the session (set at session level, not transaction-local); the session was closed before fn used it`;
    if (mode === 'throw') return { code, report: true, retry: false, message: `${arrived}, and the scope failed (throw mode)`, fix: undefined };
    if (attempt >= ATTEMPTS) return { code, report: true, retry: false, message: `${arrived}; ${ATTEMPTS} connections in a row arrived like this, so the scope failed`, fix: undefined };
    return { code, report: true, retry: true, message: `${arrived}, and fn ran on another connection`, fix: undefined };
  }
}
