/**
 * Judgements over a policy's expressions that several rules share: which setting reads it makes
 * (also inside functions it calls), and whether it lets every row through. Whether it ties rows
 * to the context is policy-scope.ts.
 */
import { calledFunctionName, constantText, nameParts, nodeOf, unwrapNode, walkTree } from '@tenant-scope/sql-analyzer';
import type { GucRead, NodeOfType } from '@tenant-scope/sql-analyzer';
import { resolveFunction, resolveFunctionName } from './model/lookups.js';
import type { RuleContext } from './rule.js';
import type { FunctionModel, PolicyExpression, PolicyModel, SchemaModel, TableModel } from './model/schema-model.js';

/** A setting read a policy makes, and the file it is written in. */
export interface PolicyRead {
  read: GucRead;
  file: string;
  /** The function whose body holds the read, when the policy reaches it through a call. */
  via: FunctionModel | null;
}

/** The expressions of a policy that are evaluated (USING, WITH CHECK). */
export function policyExpressions(policy: PolicyModel): PolicyExpression[] {
  return [policy.using, policy.withCheck].filter((e): e is PolicyExpression => e !== null);
}

/**
 * Answers kept per final model (rules run once the history is replayed, and several rules ask the
 * same questions of the same policies), keyed by the expression node, function or policy asked about.
 */
interface ModelMemo {
  called: WeakMap<object, FunctionModel[]>;
  reachable: Map<FunctionModel, FunctionModel[]>;
  reads: Map<PolicyModel, PolicyRead[]>;
}
const memos = new WeakMap<SchemaModel, ModelMemo>();

function memoOf(model: SchemaModel): ModelMemo {
  let memo = memos.get(model);
  if (!memo) {
    memo = { called: new WeakMap(), reachable: new Map(), reads: new Map() };
    memos.set(model, memo);
  }
  return memo;
}

/** The model functions an expression calls (the same array for the same node: do not change it). */
export function calledFunctions(context: RuleContext, node: unknown): FunctionModel[] {
  const memo = typeof node === 'object' && node !== null ? memoOf(context.model).called : null;
  const known = memo?.get(node as object);
  if (known) return known;
  const found = new Set<FunctionModel>();
  walkTree(node, (type, body) => {
    if (type !== 'FuncCall') return;
    const fn = resolveFunction(context.model, body);
    if (fn) found.add(fn);
  });
  const called = [...found];
  memo?.set(node as object, called);
  return called;
}

/**
 * `fn` and every model function its body calls, directly or through other functions (each once,
 * so recursion ends), in the order a breadth-first walk meets them (the same array for the same
 * function: do not change it).
 */
export function reachableFunctions(context: RuleContext, fn: FunctionModel): FunctionModel[] {
  const memo = memoOf(context.model).reachable;
  const known = memo.get(fn);
  if (known) return known;
  const found = [fn];
  const seen = new Set(found);
  for (let i = 0; i < found.length; i++) {
    for (const call of (found[i] as FunctionModel).bodyCalls) {
      const callee = resolveFunctionName(context.model, call);
      if (callee && !seen.has(callee)) {
        seen.add(callee);
        found.push(callee);
      }
    }
  }
  memo.set(fn, found);
  return found;
}

/**
 * Every setting read a policy makes: in its expressions, and in the bodies of functions they call,
 * directly or through other functions (the same array for the same policy: do not change it).
 */
export function policyReads(context: RuleContext, policy: PolicyModel): PolicyRead[] {
  const memo = memoOf(context.model).reads;
  const known = memo.get(policy);
  if (known) return known;
  const reads: PolicyRead[] = [];
  for (const expression of policyExpressions(policy)) {
    for (const read of expression.reads) reads.push({ read, file: expression.source.file, via: null });
    for (const called of calledFunctions(context, expression.node)) {
      for (const fn of reachableFunctions(context, called)) {
        for (const read of fn.reads) reads.push({ read, file: fn.source.file, via: fn });
      }
    }
  }
  memo.set(policy, reads);
  return reads;
}

/** A policy read, with the policy and table that make it. */
export interface TablePolicyRead extends PolicyRead {
  policy: PolicyModel;
  table: TableModel;
}

/**
 * The setting reads of every policy that `keep` accepts, each place once: a read in a function
 * several policies call is listed for the first policy that reaches it.
 */
export function policyReadsWhere(context: RuleContext, keep: (read: GucRead) => boolean): TablePolicyRead[] {
  const found: TablePolicyRead[] = [];
  const seen = new Set<string>();
  for (const table of context.model.tables.values()) {
    for (const policy of table.policies.values()) {
      for (const policyRead of policyReads(context, policy)) {
        if (!keep(policyRead.read)) continue;
        const key = `${policyRead.file}:${policyRead.read.range.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ ...policyRead, policy, table });
      }
    }
  }
  return found;
}

function operatorOf(expr: NodeOfType<'A_Expr'>): string {
  return nameParts(expr.name).join('.');
}

function readsSetting(node: unknown): boolean {
  let found = false;
  walkTree(node, (type, body) => {
    if (type === 'FuncCall' && calledFunctionName(body).name === 'current_setting') found = true;
  });
  return found;
}

function sameColumn(a: unknown, b: unknown): boolean {
  const fa = nameParts(nodeOf(a, 'ColumnRef')?.fields).join('.');
  return fa !== '' && fa === nameParts(nodeOf(b, 'ColumnRef')?.fields).join('.');
}

/** Why an expression lets every row through. */
export interface AlwaysTrue {
  reason: string;
  /** True when it lets every row through only when the context is missing (a fail-open form), not always. */
  whenContextMissing: boolean;
}

const always = (reason: string): AlwaysTrue => ({ reason, whenContextMissing: false });
const whenMissing = (reason: string): AlwaysTrue => ({ reason, whenContextMissing: true });

/** A disjunct that is true exactly when the context is missing: `current_setting(…) IS NULL`, `current_setting(…) = ''`. */
function failsOpen(node: unknown): AlwaysTrue | undefined {
  const test = nodeOf(node, 'NullTest');
  if (test?.nulltesttype === 'IS_NULL' && readsSetting(test.arg)) return whenMissing('it lets every row through when the setting is NULL (`… IS NULL OR …`)');
  const expr = nodeOf(node, 'A_Expr');
  if (expr?.kind === 'AEXPR_OP' && operatorOf(expr) === '=') {
    for (const [a, b] of [
      [expr.lexpr, expr.rexpr],
      [expr.rexpr, expr.lexpr],
    ] as const) {
      if (readsSetting(a) && constantText(b) === '') return whenMissing("it lets every row through when the setting is empty (`… = '' OR …`)");
    }
  }
  return undefined;
}

// The answer depends on the node alone, and several rules ask it of every policy expression.
const alwaysTrueAnswers = new WeakMap<object, AlwaysTrue | null>();

/** Why an expression lets every row through (or every row when the context is missing), or undefined. */
export function alwaysTrueReason(node: unknown): AlwaysTrue | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  let answer = alwaysTrueAnswers.get(node);
  if (answer === undefined) {
    answer = judgeAlwaysTrue(node) ?? null;
    alwaysTrueAnswers.set(node, answer);
  }
  return answer ?? undefined;
}

function judgeAlwaysTrue(node: object): AlwaysTrue | undefined {
  const wrapped = unwrapNode(node);
  if (!wrapped) return undefined;
  switch (wrapped.type) {
    case 'A_Const':
      return constantText(node) === 'true' ? always('it is the constant `true`') : undefined;
    case 'TypeCast':
      return alwaysTrueReason(wrapped.body.arg);
    case 'A_Expr': {
      const body = wrapped.body;
      if (body.kind !== 'AEXPR_OP' || operatorOf(body) !== '=') return undefined;
      const left = constantText(body.lexpr);
      const right = constantText(body.rexpr);
      if (left !== undefined && left === right) return always(`it compares two equal constants (\`${left} = ${right}\`)`);
      if (sameColumn(body.lexpr, body.rexpr)) return always('it compares a column with itself');
      for (const [column, other] of [
        [body.lexpr, body.rexpr],
        [body.rexpr, body.lexpr],
      ] as const) {
        const args = nodeOf(other, 'CoalesceExpr')?.args ?? [];
        if (args.length > 1 && args.slice(1).some((a) => sameColumn(a, column))) {
          return whenMissing('its COALESCE falls back to the column itself, which matches every row when the setting is missing');
        }
      }
      return undefined;
    }
    case 'BoolExpr': {
      const { boolop, args = [] } = wrapped.body;
      if (boolop === 'OR_EXPR') {
        for (const arg of args) {
          const found = alwaysTrueReason(arg);
          if (found) return { ...found, reason: `one of its OR branches is always true: ${found.reason}` };
          const open = failsOpen(arg);
          if (open) return open;
        }
        return undefined;
      }
      if (boolop === 'AND_EXPR') {
        const found = args.map(alwaysTrueReason);
        if (found.length === 0 || found.some((r) => r === undefined)) return undefined;
        const first = found[0] as AlwaysTrue;
        return { reason: first.reason, whenContextMissing: found.some((r) => r?.whenContextMissing) };
      }
      return undefined;
    }
    case 'CoalesceExpr': {
      const args = wrapped.body.args ?? [];
      const fallback = args.slice(1).find((a) => constantText(a) === 'true');
      return fallback ? whenMissing('its COALESCE falls back to `true` when the setting is missing') : undefined;
    }
    default:
      return undefined;
  }
}
