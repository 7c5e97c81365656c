/**
 * The judgement "what does this write do to tenant context on a pooled connection?", kept here
 * once so that the ESLint plugin, the SQL linter and the guard agree. Each tool picks the hazards
 * its surface reports and adds its own wording.
 */
import type { GucWrite } from './session-facts.js';

/** Which settings carry tenant context. */
export interface ContextSettings {
  /**
   * The context settings, lowercased (`app.tenant_id`). `null`: none configured, so every custom
   * dotted setting counts.
   */
  contextGucs: ReadonlySet<string> | readonly string[] | null;
}

/**
 * The tenant context a write touches:
 * - `context-setting`: a configured context setting (or, with none configured, any custom dotted one);
 * - `search-path`, `role`, `session-authorization`: which tables, rights and row-level security
 *   the following statements get;
 * - `all`: RESET ALL and DISCARD ALL, which clear every context setting at once;
 * - `unknown`: a name that is not a literal (`set_config($1, …)`), which may be any of these.
 */
export type ContextTarget = 'context-setting' | 'search-path' | 'role' | 'session-authorization' | 'all' | 'unknown';

/**
 * - `session-level`: the write lasts past the transaction (SET, `set_config(…, false)`, RESET,
 *   DISCARD ALL, `SET … FROM CURRENT`), so the next user of a pooled connection gets it. A
 *   `set_config` whose `is_local` is not a literal counts too (see `lifetime-unknown`).
 * - `lifetime-unknown`: `is_local` is not a literal (`$2`, `(select false)`): the text cannot show
 *   the write ends with the transaction, so it is judged session-level.
 * - `name-unknown`: the setting's name is not a literal, so it may be tenant context.
 * - `resets`: the session-level write returns the setting to its default (RESET, DISCARD ALL,
 *   `SET … TO DEFAULT`, `SET ROLE NONE`): it leaks no tenant, but as clean-up it comes too late
 *   (an error skips it) and inside a tenant transaction it drops the context.
 * - `switches-context`: a transaction-local write (SET LOCAL, `set_config(…, true)`): it ends with
 *   the transaction, but inside one it changes the tenant context the rest of it runs with.
 * - `session-default`: ALTER ROLE/DATABASE/SYSTEM … SET of a context setting (or a setting whose
 *   name is not a literal): every new session starts with that value, inside one tenant.
 * - `access-default`: ALTER ROLE/DATABASE/SYSTEM … SET of `search_path`, the role or the session
 *   authorization: every new session starts with other tables or other rights. In a migration
 *   that is configuration; sent from inside a tenant transaction it changes every later session
 *   of the pool.
 */
export type ContextWriteHazard = 'session-level' | 'lifetime-unknown' | 'name-unknown' | 'resets' | 'switches-context' | 'session-default' | 'access-default';

/**
 * Whether a setting name carries tenant context: one of the configured context settings, or, with
 * none configured, any custom dotted setting (`app.tenant_id`). `name` is lowercased.
 */
export function isContextSetting(name: string | null, settings: ContextSettings): boolean {
  if (name === null) return false;
  const { contextGucs } = settings;
  if (contextGucs === null) return name.includes('.');
  return 'has' in contextGucs ? contextGucs.has(name) : contextGucs.includes(name);
}

/**
 * The tenant context a write touches, or null when it touches none (`SET statement_timeout`, a
 * custom setting that is not configured as context).
 */
export function contextWriteTarget(write: GucWrite, settings: ContextSettings): ContextTarget | null {
  switch (write.target) {
    case 'search-path':
    case 'role':
    case 'session-authorization':
    case 'all':
    case 'unknown':
      return write.target;
    case 'custom':
    case 'builtin':
      return isContextSetting(write.name, settings) ? 'context-setting' : null;
  }
}

/** Whether a write returns its setting to the default rather than giving it a value. */
function resetsToDefault(write: GucWrite): boolean {
  if (write.via === 'reset' || write.via === 'discard-all') return true;
  if (write.value?.kind === 'default') return true;
  return write.target === 'role' && write.value?.kind === 'literal' && write.value.text === 'none';
}

/**
 * What a setting write does to tenant context, as PostgreSQL decides it (the scope of each form is
 * shown on a real server by the analyzer's oracle test). Empty when the write touches no tenant
 * context (see `contextWriteTarget`).
 */
export function contextWriteHazards(write: GucWrite, settings: ContextSettings): ContextWriteHazard[] {
  const target = contextWriteTarget(write, settings);
  if (target === null) return [];
  const hazards: ContextWriteHazard[] = [];
  if (write.via === 'alter-role' || write.via === 'alter-database' || write.via === 'alter-system') {
    // Removing a default (RESET, TO DEFAULT) leaves sessions without one: fine.
    if (write.value === null || write.value.kind === 'default') return hazards;
    if (target === 'context-setting' || target === 'unknown') {
      hazards.push('session-default');
      if (target === 'unknown') hazards.push('name-unknown');
    } else if (target !== 'all') hazards.push('access-default');
    return hazards;
  }
  if (write.scope === 'transaction') hazards.push('switches-context');
  else {
    hazards.push('session-level');
    if (write.scope === 'unknown') hazards.push('lifetime-unknown');
    if (resetsToDefault(write)) hazards.push('resets');
  }
  if (target === 'unknown') hazards.push('name-unknown');
  return hazards;
}
