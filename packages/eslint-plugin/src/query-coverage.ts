/**
 * What the rules could and could not check in each linted file, so that silence is never taken
 * for safety: query sites on a handle the plugin recognises, and SQL-looking calls on a receiver
 * it does not (an injected or imported handle without a type or a `pools` name, a driver method
 * it does not read). `tenant-scope check` prints it; `queryCoverage()` gives it to other tools.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { kindOf } from './connection-kind.js';
import { connectionOf, executedOn } from './query-connection.js';
import type { SqlQueryContext } from './sql-queries.js';
import { rawQueryMethods } from './sql-queries.js';
import { calleeName, isParameterizingTag, resolveSqlText } from './sql-text.js';

/** One file's query sites: recognised, and SQL-looking calls that were not (with their lines). */
export interface FileQueryCoverage {
  /** Calls and tagged templates that send SQL on a recognised pool, client or transaction handle. */
  recognised: number;
  /** SQL-looking calls on a receiver the plugin does not recognise: nothing is checked about them. */
  unrecognised: number;
  /** 1-based lines of the unrecognised calls, in source order. */
  unrecognisedLines: number[];
}

// Text a query method is given that starts like a statement.
const STATEMENT_START =
  /^\s*(?:select|insert|update|delete|with|merge|values|table|set|reset|show|begin|start|commit|end|rollback|savepoint|release|abort|call|do|lock|truncate|copy|create|alter|drop|grant|revoke|comment|listen|unlisten|notify|discard|prepare|deallocate|explain|analyze|vacuum|refresh)\b/i;
// Text any other method is given that can only be SQL: a statement with its clause (`select … from`, `insert into`, `update … set`).
const UNMISTAKABLE_SQL = /^\s*(?:(?:select|with)\b[\s\S]*\bfrom\s+["\w]|insert\s+into\s|update\s+["\w.]+\s+set\s|delete\s+from\s|merge\s+into\s|(?:set|reset)\s+(?:local\s+|session\s+)?(?:role|search_path|"?\w+"?\.\w+)\b)/i;

interface FileState {
  coverage: FileQueryCoverage;
  seen: WeakSet<TSESTree.Node>;
}

const byFile = new Map<string, FileQueryCoverage>();
const states = new WeakMap<object, FileState>();

function stateOf(ctx: SqlQueryContext): FileState {
  let state = states.get(ctx.sourceCode);
  if (!state) {
    state = { coverage: { recognised: 0, unrecognised: 0, unrecognisedLines: [] }, seen: new WeakSet() };
    states.set(ctx.sourceCode, state);
    byFile.set(ctx.filename, state.coverage);
  }
  return state;
}

/**
 * Whether a call's first argument is SQL text by `pattern`, or a tagged template (`sql\`…\``). Only
 * literal-like arguments are resolved; `literalOnly` (for methods no rule reads, which is most calls
 * of a file) leaves out constants and concatenations, whose lookup would cost every call a scope search.
 */
function looksLikeSql(argument: TSESTree.Node | undefined, pattern: RegExp, ctx: SqlQueryContext, literalOnly = false): boolean {
  if (!argument || argument.type === AST_NODE_TYPES.SpreadElement) return false;
  if (argument.type === AST_NODE_TYPES.TaggedTemplateExpression) return true;
  const literal = argument.type === AST_NODE_TYPES.Literal || argument.type === AST_NODE_TYPES.TemplateLiteral;
  const resolvable = argument.type === AST_NODE_TYPES.Identifier || argument.type === AST_NODE_TYPES.BinaryExpression || argument.type === AST_NODE_TYPES.ObjectExpression;
  if (!literal && (literalOnly || !resolvable)) return false;
  const sql = resolveSqlText(argument, ctx);
  return sql !== null && pattern.test(sql.text);
}

/** Whether a node is an argument of an enclosing call: a fragment the outer call sends (`db.execute(sql.raw(…))`). */
function isArgument(node: TSESTree.Node): boolean {
  return node.parent?.type === AST_NODE_TYPES.CallExpression && node.parent.arguments.includes(node as TSESTree.CallExpressionArgument);
}

/**
 * A listener that counts the file's query sites. Only the first rule to ask for a file gets it (the
 * others get none): every rule visits every node, so one listener sees them all, once.
 */
export function queryCoverageListener(ctx: SqlQueryContext): TSESLint.RuleListener {
  if (states.has(ctx.sourceCode)) return {};
  const state = stateOf(ctx);
  const count = (node: TSESTree.Node, recognised: boolean): void => {
    state.seen.add(node);
    if (recognised) state.coverage.recognised++;
    else {
      state.coverage.unrecognised++;
      state.coverage.unrecognisedLines.push(node.loc.start.line);
    }
  };
  const countCall = (node: TSESTree.CallExpression): void => {
    if (state.seen.has(node) || node.callee.type !== AST_NODE_TYPES.MemberExpression || node.arguments.length === 0 || isArgument(node)) return;
    const method = calleeName(node.callee);
    if (method === null) return;
    if (rawQueryMethods.has(method)) {
      const kind = connectionOf({ node, receiver: executedOn(node) ?? node.callee.object }, ctx);
      if (kind !== 'unknown') count(node, true);
      else if (looksLikeSql(node.arguments[0], STATEMENT_START, ctx)) count(node, false);
    } else if (node.arguments[0]?.type !== AST_NODE_TYPES.TaggedTemplateExpression && looksLikeSql(node.arguments[0], UNMISTAKABLE_SQL, ctx, true)) {
      // A driver method the rules do not read (pg-promise's `db.one`, a repository's own helper).
      count(node, false);
    }
  };
  const countTemplate = (node: TSESTree.TaggedTemplateExpression): void => {
    if (state.seen.has(node) || isArgument(node)) return;
    const runOn = executedOn(node);
    const tag = node.tag;
    if (runOn) count(node, kindOf(runOn, ctx) !== 'unknown');
    else if (tag.type === AST_NODE_TYPES.MemberExpression && rawQueryMethods.has(calleeName(tag) ?? '')) count(node, kindOf(tag.object, ctx) !== 'unknown');
    else if (tag.type === AST_NODE_TYPES.Identifier && kindOf(tag, ctx) !== 'unknown') count(node, true);
    // An awaited template on an unknown tag is a query sent (postgres.js `sql` imported from elsewhere), not a fragment.
    else if (
      tag.type === AST_NODE_TYPES.Identifier &&
      node.parent.type === AST_NODE_TYPES.AwaitExpression &&
      (isParameterizingTag(tag, ctx.sqlTags) || STATEMENT_START.test(node.quasi.quasis[0]?.value.cooked ?? ''))
    ) {
      count(node, false);
    }
  };
  return {
    CallExpression(node): void {
      try {
        countCall(node);
      } catch {
        // An AST shape this plugin did not foresee must not fail the user's lint run.
      }
    },
    TaggedTemplateExpression(node): void {
      try {
        countTemplate(node);
      } catch {
        // See above.
      }
    },
  };
}

/**
 * Query coverage of every file linted in this process so far, by file path (the file's last lint
 * counts). A snapshot: later lint runs do not change it.
 */
export function queryCoverage(): Map<string, FileQueryCoverage> {
  return new Map([...byFile].map(([file, coverage]) => [file, { ...coverage, unrecognisedLines: [...coverage.unrecognisedLines] }]));
}
