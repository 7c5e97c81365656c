/**
 * Who can call a function without being trusted: PUBLIC (every role, PostgreSQL's default for a
 * new function) and the platform's client roles (Supabase `anon`, `authenticated`). Calling needs
 * EXECUTE on the function and USAGE on its schema; a schema the history does not create counts as
 * usable, as its privileges are not known.
 */
import type { FunctionModel } from './model/schema-model.js';
import type { RuleContext } from './rule.js';

/** The untrusted roles that can call `fn` (`public` alone when PUBLIC can), in a stable order. */
export function untrustedCallers(context: RuleContext, fn: FunctionModel): string[] {
  const usage = context.model.schemaUsage.get(fn.schema);
  const can = (role: string): boolean =>
    (fn.execute.has(role) || fn.execute.has('public')) && (usage === undefined || usage.has(role) || usage.has('public'));
  if (can('public')) return ['public'];
  const clients = (context.platform?.clientRoles ?? []).filter((role) => role !== 'public');
  return clients.filter(can);
}

/** Callers as a message names them: `PUBLIC (every role)`, `anon and authenticated`. */
export function describeCallers(callers: readonly string[]): string {
  if (callers.includes('public')) return 'PUBLIC (every role)';
  return callers.length <= 1 ? (callers[0] ?? '') : `${callers.slice(0, -1).join(', ')} and ${callers[callers.length - 1]}`;
}

/** A function only the trigger machinery can call (`RETURNS trigger`/`event_trigger`): calling it directly fails. */
export function isTriggerFunction(fn: FunctionModel): boolean {
  return fn.returnType === 'trigger' || fn.returnType === 'event_trigger';
}
