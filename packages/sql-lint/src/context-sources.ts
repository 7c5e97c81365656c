/**
 * Where tenant and user identity come from: the sources a policy may compare a row with. A value
 * is derived from a context source when it reads a context setting (`current_setting` of one of
 * `contextGucs`, or of any dotted custom setting when none are configured), calls a configured
 * context function (or one of the platform preset's), reads the configured claim of one, or calls
 * a function of the history whose body does any of these (followed through the calls it makes).
 */
import { calledFunctionName, constantText, isContextSetting as isContextSettingName, nameParts, nodeOf, walkTree } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import type { ContextFunctionEntry, LintConfig } from './lint-config.js';
import { resolveFunction, resolveFunctionName } from './model/lookups.js';
import type { FunctionCallName, FunctionModel } from './model/schema-model.js';
import type { RuleContext } from './rule.js';

/** A function whose result is identity, as configured (names lowercased). */
export interface ContextFunction {
  /** Undefined when the entry names no schema (then a function of that name in any schema). */
  schema: string | undefined;
  name: string;
  /** The claim keys below the function's JSON result that carry identity; empty for the whole result. */
  claim: readonly string[];
}

/** Reads `contextFunctions` entries (`"auth.uid"`, `{ "name": "auth.jwt", "claim": [...] }`). */
export function contextFunctionsOf(entries: LintConfig['contextFunctions']): ContextFunction[] {
  return (entries ?? []).map((entry: string | ContextFunctionEntry) => {
    const { name, claim } = typeof entry === 'string' ? { name: entry, claim: [] } : { name: entry.name, claim: entry.claim ?? [] };
    const parts = name.replace(/\(\s*\)$/, '').split('.');
    const fnName = (parts.pop() ?? '').toLowerCase();
    return { schema: parts.length > 0 ? parts.join('.').toLowerCase() : undefined, name: fnName, claim };
  });
}

/** Whether a setting name carries context (the analyzer's judgement, with this run's settings). */
export function isContextSetting(context: RuleContext, name: string): boolean {
  return isContextSettingName(name.toLowerCase(), { contextGucs: context.contextGucs });
}

/** The configured context functions a call names. */
function contextFunctionsCalled(context: RuleContext, call: FunctionCallName): ContextFunction[] {
  return context.contextFunctions.filter((f) => f.name === call.name && (f.schema === undefined || call.schema === undefined || f.schema === call.schema));
}

const derivations = new WeakMap<RuleContext, Map<FunctionModel, boolean>>();

/** Whether a function of the history derives its result from a context source (its body, or a function it calls, reads one). */
export function functionDerivesFromContext(context: RuleContext, fn: FunctionModel): boolean {
  let memo = derivations.get(context);
  if (!memo) {
    memo = new Map();
    derivations.set(context, memo);
  }
  const known = memo.get(fn);
  if (known !== undefined) return known;
  const found = [fn];
  const seen = new Set(found);
  let derives = false;
  for (let i = 0; i < found.length && !derives; i++) {
    const current = found[i] as FunctionModel;
    if (current.reads.some((r) => r.name !== null && isContextSetting(context, r.name))) derives = true;
    for (const call of current.bodyCalls) {
      if (derives) break;
      if (contextFunctionsCalled(context, call).length > 0) {
        derives = true;
        break;
      }
      const callee = resolveFunctionName(context.model, call);
      if (callee && !seen.has(callee)) {
        const memoized = memo.get(callee);
        if (memoized === true) derives = true;
        else if (memoized === undefined) {
          seen.add(callee);
          found.push(callee);
        }
      }
    }
  }
  memo.set(fn, derives);
  return derives;
}

const JSON_ACCESS = new Set(['->', '->>', '#>', '#>>']);

/** The base of a chain of JSON accesses (`f() -> 'a' ->> 'b'`) and its keys, or undefined. */
function jsonChain(expr: NodeOfType<'A_Expr'>): { base: unknown; keys: string[] } | undefined {
  const keys: string[] = [];
  let node: NodeOfType<'A_Expr'> | undefined = expr;
  let base: unknown;
  while (node) {
    const op = nameParts(node.name).join('.');
    if (node.kind !== 'AEXPR_OP' || !JSON_ACCESS.has(op)) return undefined;
    const key = constantText(node.rexpr);
    if (key === undefined) return undefined;
    // `#>` takes a path as a text array literal: '{a,b}'.
    keys.unshift(...(op.startsWith('#') ? key.replace(/^\{|\}$/g, '').split(',').map((k) => k.trim().replace(/^"|"$/g, '')) : [key]));
    base = node.lexpr;
    const cast = nodeOf(base, 'TypeCast');
    if (cast) base = cast.arg;
    node = nodeOf(base, 'A_Expr');
  }
  return { base, keys };
}

/**
 * Whether an expression holds a value derived from a context source. A configured function with
 * a claim counts only through that claim (`auth.jwt() -> 'app_metadata' ->> 'tenant_id'`).
 * Remembered per rule context and node: the rules ask it of the same policy expressions many times.
 */
export function carriesContext(context: RuleContext, node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  let memo = carried.get(context);
  if (!memo) {
    memo = new WeakMap();
    carried.set(context, memo);
  }
  let known = memo.get(node);
  if (known === undefined) {
    known = walkCarriesContext(context, node);
    memo.set(node, known);
  }
  return known;
}

const carried = new WeakMap<RuleContext, WeakMap<object, boolean>>();

function walkCarriesContext(context: RuleContext, node: object): boolean {
  let found = false;
  walkTree(node, (type, body) => {
    if (found) return false;
    if (type === 'A_Expr') {
      const chain = jsonChain(body);
      const call = chain ? nodeOf(chain.base, 'FuncCall') : undefined;
      if (!chain || !call) return undefined;
      const claims = contextFunctionsCalled(context, calledFunctionName(call)).filter((f) => f.claim.length > 0);
      if (claims.length === 0) return undefined;
      if (claims.some((f) => f.claim.every((key, i) => chain.keys[i] === key))) found = true;
      return false;
    }
    if (type !== 'FuncCall') return undefined;
    const called = calledFunctionName(body);
    if (called.name === 'current_setting') {
      const settingName = constantText(body.args?.[0]);
      if (settingName !== undefined && isContextSetting(context, settingName)) found = true;
      return undefined;
    }
    const configured = contextFunctionsCalled(context, called);
    if (configured.some((f) => f.claim.length === 0)) {
      found = true;
      return false;
    }
    // Only a claim of it is identity: the whole result is not.
    if (configured.length > 0) return undefined;
    const fn = resolveFunction(context.model, body);
    if (fn && functionDerivesFromContext(context, fn)) found = true;
    return undefined;
  });
  return found;
}
