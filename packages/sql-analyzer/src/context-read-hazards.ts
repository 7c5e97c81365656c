/**
 * The judgement "is this read of a tenant context setting safe on a pooled connection?", kept
 * here once so that the SQL linter, the ESLint plugin and the guard's audit agree.
 */
import type { GucRead } from './session-facts.js';

/**
 * - `raises-when-unset`: `current_setting(name)` (or `missing_ok => false`) raises "unrecognized
 *   configuration parameter" on every connection where the setting was never set.
 * - `cast-without-nullif`: the value is cast to a non-text type without `NULLIF(…, '')` first.
 *   After any transaction-local set of it has ended, the setting reads `''` (not NULL) on that
 *   connection, and `''::uuid` raises.
 * - `evaluated-per-row`: not wrapped in a scalar subquery `(select …)`, so a policy may evaluate
 *   it once per row instead of once per query.
 *
 * A read inside a PL/pgSQL block whose EXCEPTION clause catches the error and answers `RETURN
 * NULL`/`RETURN false` (`read.caught`) raises nothing to the query: it fails closed, so it has
 * neither raising hazard (a `WHEN OTHERS` handler covers both, a data-error handler the cast).
 */
export type ContextReadHazard = 'raises-when-unset' | 'cast-without-nullif' | 'evaluated-per-row';

// Types that accept '' as a value: casting '' to them does not raise.
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'char', 'name', 'citext', 'unknown']);

/** Lists what can go wrong with a `current_setting` read on a pooled connection. */
export function contextReadHazards(read: GucRead): ContextReadHazard[] {
  const hazards: ContextReadHazard[] = [];
  if (read.via !== 'current-setting') return hazards;
  // An error the enclosing PL/pgSQL block catches (and answers failing closed) never reaches the query.
  if ((read.missingOk === 'absent' || read.missingOk === 'false') && read.caught !== 'any-error') hazards.push('raises-when-unset');
  for (const wrapper of read.wrappers) {
    if (wrapper.kind === 'nullif-empty' || read.caught !== undefined) break;
    if (wrapper.kind === 'cast' && !TEXT_TYPES.has(wrapper.type)) {
      hazards.push('cast-without-nullif');
      break;
    }
  }
  if (!read.wrappers.some((w) => w.kind === 'scalar-subquery')) hazards.push('evaluated-per-row');
  return hazards;
}
