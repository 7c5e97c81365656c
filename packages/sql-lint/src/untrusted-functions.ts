/**
 * The verdicts the rules about callable functions share, so that each function is reported once
 * at its definition: `forgeable-context` for a function untrusted roles can call that sets tenant
 * context for the session; else `security-definer-public-execute` for a SECURITY DEFINER one they
 * can call that uses a tenant table or sets tenant context; `security-definer-rls-bypass` leaves
 * both alone. The session-level write itself is another defect (its lifetime, fixed by making it
 * transaction-local), which `session-context-set` reports where it is written.
 */
import { contextWriteHazards, contextWriteTarget } from '@tenant-scope/sql-analyzer';
import type { GucWrite } from '@tenant-scope/sql-analyzer';
import { tableUseIndex } from './function-table-use.js';
import type { FunctionModel, TableModel } from './model/schema-model.js';
import { tenantColumnOf } from './rule.js';
import type { RuleContext } from './rule.js';
import { isTriggerFunction, untrustedCallers } from './untrusted-callers.js';

/** A function untrusted roles can call that sets tenant context for the session. */
export interface ForgeableFunction {
  fn: FunctionModel;
  /** Its first session-level write of tenant context. */
  write: GucWrite;
  callers: string[];
}

/** A SECURITY DEFINER function untrusted roles can call, with what makes that matter. */
export interface ExposedDefiner {
  fn: FunctionModel;
  callers: string[];
  /** The first tenant table (row-level security or a tenant column) its body uses. */
  table: TableModel | undefined;
  /** Else the first tenant-context write of its body. */
  write: GucWrite | undefined;
}

interface Verdicts {
  forgeable: ForgeableFunction[];
  exposed: ExposedDefiner[];
}

const verdicts = new WeakMap<RuleContext, Verdicts>();

/** A write that gives a tenant-context setting (named in the text) a value, not a RESET. */
function setsContext(context: RuleContext, write: GucWrite): boolean {
  const settings = { contextGucs: context.contextGucs };
  return contextWriteTarget(write, settings) === 'context-setting' && !contextWriteHazards(write, settings).includes('resets');
}

/** Such a write for the whole session, or for a lifetime the text does not show. */
function setsContextForSession(context: RuleContext, write: GucWrite): boolean {
  return setsContext(context, write) && contextWriteHazards(write, { contextGucs: context.contextGucs }).includes('session-level');
}

function judge(context: RuleContext): Verdicts {
  const tenantTables = [...context.model.tables].filter(([, table]) => table.rowSecurity.enabled || tenantColumnOf(context, table) !== undefined);
  const firstTenantTable = tableUseIndex(tenantTables);
  const forgeable: ForgeableFunction[] = [];
  const exposed: ExposedDefiner[] = [];
  for (const fn of context.model.functions.values()) {
    if (isTriggerFunction(fn)) continue;
    const callers = untrustedCallers(context, fn);
    if (callers.length === 0) continue;
    const sessionWrite = fn.writes.find((write) => setsContextForSession(context, write));
    if (sessionWrite) {
      forgeable.push({ fn, write: sessionWrite, callers });
      continue;
    }
    if (!fn.securityDefiner) continue;
    const table = firstTenantTable(fn);
    const write = table ? undefined : fn.writes.find((w) => setsContext(context, w));
    if (table || write) exposed.push({ fn, callers, table, write });
  }
  return { forgeable, exposed };
}

function verdictsOf(context: RuleContext): Verdicts {
  let result = verdicts.get(context);
  if (!result) {
    result = judge(context);
    verdicts.set(context, result);
  }
  return result;
}

/** Functions untrusted roles can call that set tenant context for the session. */
export function forgeableFunctions(context: RuleContext): readonly ForgeableFunction[] {
  return verdictsOf(context).forgeable;
}

/** SECURITY DEFINER functions untrusted roles can call that use a tenant table or write tenant context. */
export function exposedDefiners(context: RuleContext): readonly ExposedDefiner[] {
  return verdictsOf(context).exposed;
}

/** `schema.name(types)` as a person writes it. */
export function functionSignature(fn: FunctionModel): string {
  return `${fn.schema === 'public' ? fn.name : `${fn.schema}.${fn.name}`}(${fn.argumentTypes.join(', ')})`;
}
