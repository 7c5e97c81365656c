/**
 * Whether a client from `pool.connect()` (or TypeORM's `createQueryRunner()`) has a transaction
 * open at a query, followed along ESLint's code paths: `BEGIN`/`START TRANSACTION` and
 * `startTransaction()` open one, `COMMIT`/`ROLLBACK` and `commitTransaction()`/
 * `rollbackTransaction()` end it. Where paths disagree, or a query's text is not known, the state
 * is `unknown` and rules that depend on it stay silent.
 */
import { transactionControlHazards } from '@tenant-scope/sql-analyzer';
import type { SessionFact } from '@tenant-scope/sql-analyzer';
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { kindOf, wrappedConnectionOf } from './connection-kind.js';
import type { SqlQuery, SqlQueryContext } from './sql-queries.js';
import { rawQueryMethods, safely, sqlQueryAt } from './sql-queries.js';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/** Whether a transaction is open on the client: known open, known closed, or not knowable. */
export type TransactionState = 'open' | 'closed' | 'unknown';

/** A rule's question about one fact of a query on a tracked client, answered once the function's paths are known. */
export type TransactionProbe = (state: TransactionState) => void;

type Step = { op: 'open' | 'close' | 'unknown' } | { op: 'probe'; probe: TransactionProbe };

interface Event {
  client: TSESLint.Scope.Variable;
  steps: Step[];
}

interface Segment {
  id: string;
  prevSegments: Segment[];
}

interface PathRecord {
  /** The function whose clients start with no transaction: clients declared elsewhere start unknown. */
  node: TSESTree.Node;
  segments: Segment[];
  events: Map<string, Event[]>;
  current: Set<Segment>;
}

const openMethods = new Set(['startTransaction']);
const closeMethods = new Set(['commitTransaction', 'rollbackTransaction']);

function join(a: TransactionState | undefined, b: TransactionState): TransactionState {
  return a === undefined || a === b ? b : 'unknown';
}

/** The steps a query's facts take, in text order, with the rule's probes between them. */
function stepsOf(facts: readonly SessionFact[], probeFor: (fact: SessionFact) => TransactionProbe | null): Step[] {
  const steps: Step[] = [];
  for (const fact of facts) {
    if (fact.origin !== 'statement') continue;
    const probe = probeFor(fact);
    if (probe) steps.push({ op: 'probe', probe });
    if (fact.kind !== 'transaction-control') continue;
    const hazards = transactionControlHazards(fact);
    if (hazards.includes('begins-transaction')) steps.push({ op: 'open' });
    else if (hazards.includes('ends-transaction') && !hazards.includes('chains')) steps.push({ op: 'close' });
  }
  return steps;
}

/**
 * Listeners that follow the transaction state of tracked clients through each function, asking
 * `probeFor` which facts of each query on one the rule wants judged. Merge them into the rule's
 * own listeners with `mergeListeners`.
 */
export function clientTransactionListeners(ctx: SqlQueryContext, probeFor: (query: SqlQuery, fact: SessionFact) => TransactionProbe | null): TSESLint.RuleListener {
  const paths: PathRecord[] = [];
  const top = (): PathRecord | undefined => paths[paths.length - 1];
  const record = (client: TSESLint.Scope.Variable, steps: Step[]): void => {
    const path = top();
    if (!path) return;
    for (const segment of path.current) {
      const list = path.events.get(segment.id) ?? [];
      list.push({ client, steps });
      path.events.set(segment.id, list);
    }
  };
  const trackedClient = (receiver: TSESTree.Node): TSESLint.Scope.Variable | null => {
    if (receiver.type !== AST_NODE_TYPES.Identifier || kindOf(receiver, ctx) !== 'client') return null;
    const variable = ASTUtils.findVariable(ctx.sourceCode.getScope(receiver), receiver);
    const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (definition?.type !== 'Variable') return null;
    // `const db = drizzle(client)`: its queries go to `client`, whose transaction state they share.
    const wrapped = definition.node.init ? wrappedConnectionOf(unwrapExpression(definition.node.init)) : null;
    if (wrapped?.type === AST_NODE_TYPES.Identifier && wrapped !== receiver) return trackedClient(wrapped);
    return variable ?? null;
  };
  const settle = (path: PathRecord): void => {
    const clients = new Set<TSESLint.Scope.Variable>();
    for (const events of path.events.values()) for (const event of events) clients.add(event.client);
    for (const client of clients) {
      const declaredHere = client.defs[0]?.node && enclosingFunction(client.defs[0].node as TSESTree.Node) === path.node;
      const start: TransactionState = declaredHere ? 'closed' : 'unknown';
      const exits = new Map<string, TransactionState>();
      // A node in a `finally` block is in several segments at once (normal and exceptional paths): its probes see the join.
      const probed = new Map<TransactionProbe, TransactionState>();
      const run = (segment: Segment, entry: TransactionState, probes: boolean): TransactionState => {
        let state = entry;
        for (const event of path.events.get(segment.id) ?? []) {
          if (event.client !== client) continue;
          for (const step of event.steps) {
            if (step.op === 'probe') {
              if (probes) probed.set(step.probe, join(probed.get(step.probe), state));
            } else state = step.op === 'open' ? 'open' : step.op === 'close' ? 'closed' : 'unknown';
          }
        }
        return state;
      };
      const entryOf = (segment: Segment): TransactionState => {
        if (segment.prevSegments.length === 0) return start;
        let entry: TransactionState | undefined;
        for (const prev of segment.prevSegments) {
          const exit = exits.get(prev.id);
          if (exit !== undefined) entry = join(entry, exit);
        }
        return entry ?? start;
      };
      // Exit states only move towards `unknown`, so this settles within a few rounds even with loops.
      for (let round = 0, changed = true; changed && round < path.segments.length + 2; round++) {
        changed = false;
        for (const segment of path.segments) {
          const exit = run(segment, entryOf(segment), false);
          if (exits.get(segment.id) !== exit) {
            exits.set(segment.id, join(exits.get(segment.id), exit));
            changed = true;
          }
        }
      }
      for (const segment of path.segments) run(segment, entryOf(segment), true);
      for (const [probe, state] of probed) safely(() => probe(state));
    }
  };
  return {
    onCodePathStart(_codePath: unknown, node: TSESTree.Node): void {
      paths.push({ node, segments: [], events: new Map(), current: new Set() });
    },
    onCodePathEnd(): void {
      const path = paths.pop();
      if (path && path.events.size > 0) safely(() => settle(path));
    },
    onCodePathSegmentStart(segment: Segment): void {
      const path = top();
      path?.segments.push(segment);
      path?.current.add(segment);
    },
    onCodePathSegmentEnd(segment: Segment): void {
      top()?.current.delete(segment);
    },
    CallExpression(node: TSESTree.CallExpression): void {
      safely(() => {
        if (node.callee.type !== AST_NODE_TYPES.MemberExpression) return;
        const method = calleeName(node.callee);
        if (method === null) return;
        const client = (openMethods.has(method) || closeMethods.has(method) || rawQueryMethods.has(method)) && trackedClient(node.callee.object);
        if (!client) return;
        if (openMethods.has(method)) return record(client, [{ op: 'open' }]);
        if (closeMethods.has(method)) return record(client, [{ op: 'close' }]);
        const query = sqlQueryAt(node, ctx);
        record(client, query ? stepsOf(query.analysis.facts, (fact) => probeFor(query, fact)) : [{ op: 'unknown' }]);
      });
    },
  } as unknown as TSESLint.RuleListener;
}

function enclosingFunction(node: TSESTree.Node): TSESTree.Node | null {
  for (let current = node.parent; current; current = current.parent) {
    if (
      current.type === AST_NODE_TYPES.ArrowFunctionExpression ||
      current.type === AST_NODE_TYPES.FunctionExpression ||
      current.type === AST_NODE_TYPES.FunctionDeclaration ||
      current.type === AST_NODE_TYPES.Program
    ) {
      return current;
    }
  }
  return null;
}

/** Whether a query is sent on a client whose transactions these listeners follow (then its probes answer for it). */
export function isTrackedClientQuery(query: SqlQuery, ctx: SqlQueryContext): boolean {
  const receiver = query.receiver;
  if (query.node.type !== AST_NODE_TYPES.CallExpression || receiver?.type !== AST_NODE_TYPES.Identifier || kindOf(receiver, ctx) !== 'client') return false;
  const variable = ASTUtils.findVariable(ctx.sourceCode.getScope(receiver), receiver);
  return variable?.defs.length === 1 && variable.defs[0]?.type === 'Variable';
}

/** One listener object running both: ESLint takes one per rule. */
export function mergeListeners(a: TSESLint.RuleListener, b: TSESLint.RuleListener): TSESLint.RuleListener {
  const merged: Record<string, (...args: never[]) => void> = { ...(a as Record<string, (...args: never[]) => void>) };
  for (const [key, listener] of Object.entries(b as Record<string, (...args: never[]) => void>)) {
    const first = merged[key];
    merged[key] = first
      ? (...args: never[]): void => {
          first(...args);
          listener(...args);
        }
      : listener;
  }
  return merged as TSESLint.RuleListener;
}
