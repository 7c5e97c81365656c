import type { TemplateHole } from '@tenant-scope/sql-analyzer';
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { unwrapExpression as unwrap } from './unwrap-expression.js';

/**
 * SQL text found in a JavaScript file, ready for `analyzeSql`. Offsets in `text` map onto the
 * source one to one when `sourceStart` is set; otherwise findings are reported on `node`.
 */
export interface SqlText {
  text: string;
  holes: TemplateHole[];
  /** Per hole: true when its value is spliced into the SQL text, false when it is sent as a bound parameter. */
  splicedHoles: boolean[];
  /** Per hole: the expression whose value fills it. */
  holeExpressions: TSESTree.Node[];
  /** Source index of offset 0 of `text`, when every offset maps onto the source unchanged. */
  sourceStart: number | null;
  /** Where to report when offsets do not map (escapes, concatenation, a `const` defined elsewhere). */
  node: TSESTree.Node;
  /** Nodes of the call's own argument that supplied the text, so nested query calls are not read twice. */
  sourceNodes: TSESTree.Node[];
}

/** How SQL is found: the file (for its text and scopes) and the configured template tags. */
export interface SqlTextContext {
  sourceCode: Readonly<TSESLint.SourceCode>;
  sqlTags: readonly string[];
}

const maxDepth = 8;
const rawCallNames = new Set(['raw', 'unsafe']);

/** The name a tag or callee is written with: `sql`, `Prisma.sql`, `db.$queryRaw`, `pool['query']` → last part. */
export function calleeName(node: TSESTree.Node): string | null {
  if (node.type === AST_NODE_TYPES.Identifier) return node.name;
  if (node.type !== AST_NODE_TYPES.MemberExpression) return null;
  if (!node.computed && node.property.type === AST_NODE_TYPES.Identifier) return node.property.name;
  if (node.computed && node.property.type === AST_NODE_TYPES.Literal && typeof node.property.value === 'string') return node.property.value;
  if (node.computed && node.property.type === AST_NODE_TYPES.TemplateLiteral && node.property.expressions.length === 0) return node.property.quasis[0]?.value.cooked ?? null;
  return null;
}

/** Whether a tagged template's holes become bound parameters: `sql`, `Prisma.sql`, `db.$queryRaw`, `sql` of postgres.js. */
export function isParameterizingTag(tag: TSESTree.Node, sqlTags: readonly string[]): boolean {
  const name = calleeName(tag);
  if (name === null) return false;
  if (tag.type === AST_NODE_TYPES.Identifier) return sqlTags.includes(name);
  return sqlTags.includes(name) || name === '$queryRaw' || name === '$executeRaw' || name === 'sql';
}

/** `sql.raw(x)`, `Prisma.raw(x)`, `sql.unsafe(x)`, `raw(x)`: a call that splices its argument into SQL text. */
export function isRawSqlCall(node: TSESTree.Node): node is TSESTree.CallExpression {
  if (node.type !== AST_NODE_TYPES.CallExpression) return false;
  const name = calleeName(node.callee);
  return name !== null && rawCallNames.has(name);
}

function templateText(node: TSESTree.TemplateLiteral, spliced: (expr: TSESTree.Expression) => boolean, ctx: SqlTextContext): SqlText | null {
  // Without escapes the source text is the SQL text (line breaks aside, which SQL treats alike).
  const exact = node.quasis.every((q) => q.value.cooked?.replace(/\r\n?/g, '\n') === q.value.raw.replace(/\r\n?/g, '\n'));
  const source = ctx.sourceCode.text;
  if (exact) {
    const base = node.range[0] + 1;
    const text = source.slice(base, node.range[1] - 1);
    // Holes are located in the source itself: raw template text normalizes CRLF and would shift offsets.
    const holes: TemplateHole[] = node.expressions.map((expression) => {
      const start = source.lastIndexOf('${', expression.range[0]);
      let end = expression.range[1];
      while (end < node.range[1] - 1 && source[end] !== '}') end++;
      return { start: start - base, end: end + 1 - base };
    });
    return { text, holes, splicedHoles: node.expressions.map(spliced), holeExpressions: node.expressions, sourceStart: base, node, sourceNodes: [node] };
  }
  let text = '';
  const holes: TemplateHole[] = [];
  for (const [index, quasi] of node.quasis.entries()) {
    if (quasi.value.cooked === null) return null;
    text += quasi.value.cooked;
    const expression = node.expressions[index];
    if (expression) {
      const hole = '${' + ctx.sourceCode.getText(expression).replace(/\s/g, ' ') + '}';
      holes.push({ start: text.length, end: text.length + hole.length });
      text += hole;
    }
  }
  return { text, holes, splicedHoles: node.expressions.map(spliced), holeExpressions: node.expressions, sourceStart: null, node, sourceNodes: [node] };
}

function concatenationText(node: TSESTree.BinaryExpression, ctx: SqlTextContext, depth: number): SqlText | null {
  const parts: TSESTree.Node[] = [];
  const flatten = (part: TSESTree.Node): void => {
    if (part.type === AST_NODE_TYPES.BinaryExpression && part.operator === '+') {
      flatten(part.left);
      flatten(part.right);
    } else parts.push(part);
  };
  flatten(node);
  let text = '';
  const holes: TemplateHole[] = [];
  const splicedHoles: boolean[] = [];
  const holeExpressions: TSESTree.Node[] = [];
  let known = 0;
  for (const part of parts) {
    const resolved = resolveSqlText(part, ctx, depth + 1);
    if (resolved && resolved.holes.length === 0) {
      text += resolved.text;
      known++;
    } else if (resolved) {
      for (const [i, hole] of resolved.holes.entries()) {
        holes.push({ start: text.length + hole.start, end: text.length + hole.end });
        splicedHoles.push(resolved.splicedHoles[i] ?? true);
        holeExpressions.push(resolved.holeExpressions[i] ?? part);
      }
      text += resolved.text;
      known++;
    } else {
      const hole = '${' + ctx.sourceCode.getText(part).replace(/\s/g, ' ') + '}';
      holes.push({ start: text.length, end: text.length + hole.length });
      splicedHoles.push(true);
      holeExpressions.push(part);
      text += hole;
    }
  }
  if (known === 0) return null;
  return { text, holes, splicedHoles, holeExpressions, sourceStart: null, node, sourceNodes: [node] };
}

function constInitializer(node: TSESTree.Identifier, ctx: SqlTextContext): TSESTree.Expression | null {
  const variable = ASTUtils.findVariable(ctx.sourceCode.getScope(node), node);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (!definition || definition.type !== 'Variable') return null;
  const declarator = definition.node;
  if (declarator.parent.kind !== 'const' || declarator.id.type !== AST_NODE_TYPES.Identifier || !declarator.init) return null;
  return declarator.init;
}

/** The text of a tagged template whose holes are bound parameters, except `sql.raw(…)`-style holes. */
export function boundTemplateText(node: TSESTree.TaggedTemplateExpression, ctx: SqlTextContext): SqlText | null {
  const text = templateText(node.quasi, (expression) => isRawSqlCall(unwrap(expression)), ctx);
  return text && { ...text, sourceNodes: [node, node.quasi] };
}

/**
 * The SQL text an expression stands for, or null when it cannot be known without running the code.
 * Literals, template literals (holes spliced), `sql` tagged templates (holes bound), `sql.raw(…)`,
 * `{ text }` query objects, `const` bindings and concatenations are read; nothing is guessed.
 */
export function resolveSqlText(input: TSESTree.Node, ctx: SqlTextContext, depth = 0): SqlText | null {
  if (depth > maxDepth) return null;
  const node = unwrap(input);
  switch (node.type) {
    case AST_NODE_TYPES.Literal: {
      if (typeof node.value !== 'string') return null;
      const exact = node.raw.slice(1, -1) === node.value;
      return { text: node.value, holes: [], splicedHoles: [], holeExpressions: [], sourceStart: exact ? node.range[0] + 1 : null, node, sourceNodes: [node] };
    }
    case AST_NODE_TYPES.TemplateLiteral:
      return templateText(node, () => true, ctx);
    case AST_NODE_TYPES.TaggedTemplateExpression:
      return isParameterizingTag(node.tag, ctx.sqlTags) ? boundTemplateText(node, ctx) : null;
    case AST_NODE_TYPES.CallExpression: {
      if (!isRawSqlCall(node) || !node.arguments[0]) return null;
      const inner = resolveSqlText(node.arguments[0], ctx, depth + 1);
      return inner && { ...inner, splicedHoles: inner.splicedHoles.map(() => true), sourceNodes: [node, ...inner.sourceNodes] };
    }
    case AST_NODE_TYPES.ObjectExpression: {
      for (const property of node.properties) {
        if (
          property.type === AST_NODE_TYPES.Property &&
          !property.computed &&
          ((property.key.type === AST_NODE_TYPES.Identifier && property.key.name === 'text') ||
            (property.key.type === AST_NODE_TYPES.Literal && property.key.value === 'text'))
        ) {
          const inner = resolveSqlText(property.value, ctx, depth + 1);
          return inner && { ...inner, sourceNodes: [node, ...inner.sourceNodes] };
        }
      }
      return null;
    }
    case AST_NODE_TYPES.BinaryExpression: {
      if (node.operator !== '+') return null;
      const value = ASTUtils.getStaticValue(node, ctx.sourceCode.getScope(node));
      if (value && typeof value.value === 'string') {
        return { text: value.value, holes: [], splicedHoles: [], holeExpressions: [], sourceStart: null, node, sourceNodes: [node] };
      }
      return concatenationText(node, ctx, depth);
    }
    case AST_NODE_TYPES.Identifier: {
      const init = constInitializer(node, ctx);
      if (init) {
        const inner = resolveSqlText(init, ctx, depth + 1);
        if (inner) return { ...inner, sourceStart: null, node, sourceNodes: [node] };
      }
      const value = ASTUtils.getStaticValue(node, ctx.sourceCode.getScope(node));
      if (value && typeof value.value === 'string') {
        return { text: value.value, holes: [], splicedHoles: [], holeExpressions: [], sourceStart: null, node, sourceNodes: [node] };
      }
      return null;
    }
    default:
      return null;
  }
}

/** The source location of `[start, end)` in a SQL text: exact when offsets map, else the whole node. */
export function sqlLocation(sql: SqlText, range: { start: number; end: number }, sourceCode: Readonly<TSESLint.SourceCode>): TSESTree.SourceLocation {
  if (sql.sourceStart === null) return sql.node.loc;
  return {
    start: sourceCode.getLocFromIndex(sql.sourceStart + range.start),
    end: sourceCode.getLocFromIndex(sql.sourceStart + range.end),
  };
}

/**
 * The expressions spliced into the SQL text within a range (not bound as parameters, not constants,
 * and not values `isInert` accepts given the characters of the SQL text around them).
 */
export function splicedExpressionsIn(
  sql: SqlText,
  range: { start: number; end: number },
  sourceCode: Readonly<TSESLint.SourceCode>,
  isInert?: (spliced: TSESTree.Node, before: string, after: string) => boolean,
): TSESTree.Node[] {
  const found: TSESTree.Node[] = [];
  sql.holes.forEach((hole, index) => {
    const expression = sql.holeExpressions[index];
    if (!expression || sql.splicedHoles[index] !== true || hole.start >= range.end || range.start >= hole.end) return;
    const inner = unwrap(expression);
    const spliced = isRawSqlCall(inner) ? inner.arguments[0] : inner;
    if (spliced && ASTUtils.getStaticValue(spliced, sourceCode.getScope(spliced)) !== null) return;
    if (spliced && isInert?.(spliced, sql.text.charAt(hole.start - 1), sql.text.charAt(hole.end))) return;
    found.push(expression);
  });
  return found;
}

/**
 * The analyzer parses each hole as a bind parameter `$n` written over the hole. From the 1000th
 * hole on (`$1000`), `${x}` is too short to hold it: then each hole is widened to fit, and the
 * text no longer maps onto the source offset for offset (findings go on the node).
 */
export function withRoomForPlaceholders(sql: SqlText): SqlText {
  if (sql.holes.length === 0) return sql;
  let highest = 0;
  for (const match of sql.text.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  const order = sql.holes.map((hole, index) => ({ hole, index })).sort((a, b) => a.hole.start - b.hole.start);
  const width = (position: number): number => `$${highest + position + 1}`.length;
  if (order.every(({ hole }, position) => hole.end - hole.start >= width(position))) return sql;
  let text = '';
  let at = 0;
  const holes: TemplateHole[] = new Array<TemplateHole>(sql.holes.length);
  order.forEach(({ hole, index }, position) => {
    text += sql.text.slice(at, hole.start);
    const written = sql.text.slice(hole.start, hole.end);
    const start = text.length;
    text += written.padEnd(width(position), ' ');
    holes[index] = { start, end: text.length };
    at = hole.end;
  });
  return { ...sql, text: text + sql.text.slice(at), holes, sourceStart: null };
}
