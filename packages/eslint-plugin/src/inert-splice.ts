/**
 * Spliced values that cannot end a quoted string or identifier in the SQL they are written into:
 * values quoted by an escaping function (node-postgres' `escapeIdentifier`/`escapeLiteral`,
 * pg-format's `format.ident`/`format('%I', …)`), values whose quotes are doubled inside the matching
 * quotes (`"${name.replace(/"/g, '""')}"`), and values that are numbers, booleans or one of a few
 * plain words by construction or by declared type. `SET` takes no bind parameters, so escaping is
 * how correct code writes a schema or role name into it.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/** Functions (or methods of that name) that return their argument quoted and escaped, quotes included. */
const quotingFunctions = new Set(['escapeIdentifier', 'escapeLiteral', 'quoteIdentifier', 'quoteIdent', 'quoteLiteral']);
/** Methods that quote and escape only as a member of a formatting module: pg-format's `format.ident(x)`, `format.literal(x)`. */
const quotingMethods = new Set(['ident', 'literal']);
/** Functions whose result is a number (or a boolean): it prints as digits, a sign, a point or a word. */
const numericFunctions = new Set(['Number', 'parseInt', 'parseFloat', 'BigInt', 'Boolean']);
/** Methods of a number whose result prints as digits only. */
const numericMethods = new Set(['toFixed', 'toPrecision']);
/** A literal type's text that cannot end a string or identifier, nor start a comment. */
const plainWord = /^[\w.]*$/;
const maxDepth = 4;

/** The single definition of an identifier, when it has exactly one. */
function definitionOf(node: TSESTree.Identifier, sourceCode: Readonly<TSESLint.SourceCode>): TSESLint.Scope.Definition | undefined {
  const variable = ASTUtils.findVariable(sourceCode.getScope(node), node);
  return variable?.defs.length === 1 ? variable.defs[0] : undefined;
}

/** Whether a declared type only admits values that print as numbers, booleans or plain words. */
function isPlainType(type: TSESTree.TypeNode | undefined): boolean {
  if (!type) return false;
  switch (type.type) {
    case AST_NODE_TYPES.TSNumberKeyword:
    case AST_NODE_TYPES.TSBigIntKeyword:
    case AST_NODE_TYPES.TSBooleanKeyword:
      return true;
    case AST_NODE_TYPES.TSLiteralType:
      return type.literal.type === AST_NODE_TYPES.Literal && (typeof type.literal.value !== 'string' || plainWord.test(type.literal.value));
    case AST_NODE_TYPES.TSUnionType:
      return type.types.every(isPlainType);
    default:
      return false;
  }
}

/** Whether an expression's value prints as a number, a boolean or a plain word. */
function isPlainValue(node: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>, depth: number): boolean {
  if (depth > maxDepth) return false;
  const expression = unwrapExpression(node);
  switch (expression.type) {
    case AST_NODE_TYPES.Literal:
      if ('regex' in expression && expression.regex) return false;
      return typeof expression.value !== 'string' || plainWord.test(expression.value);
    case AST_NODE_TYPES.UnaryExpression:
      // Numbers, booleans, `undefined`, or a type name (`typeof`).
      return true;
    case AST_NODE_TYPES.BinaryExpression:
      // `+` may join strings (of plain words, a plain word); the other operators give numbers or booleans.
      return expression.operator !== '+' || (isPlainValue(expression.left, sourceCode, depth + 1) && isPlainValue(expression.right, sourceCode, depth + 1));
    case AST_NODE_TYPES.CallExpression: {
      const name = calleeName(expression.callee);
      if (name === null) return false;
      if (expression.callee.type === AST_NODE_TYPES.Identifier && numericFunctions.has(name)) return true;
      if (expression.callee.type === AST_NODE_TYPES.MemberExpression) {
        const object = expression.callee.object;
        if (object.type === AST_NODE_TYPES.Identifier && (object.name === 'Math' || object.name === 'Number')) return name !== 'toString';
        if (numericMethods.has(name)) return true;
      }
      // `String(n)` and `n.toString()` of a plain value.
      if (name === 'String' && expression.callee.type === AST_NODE_TYPES.Identifier && expression.arguments[0]) return isPlainValue(expression.arguments[0], sourceCode, depth + 1);
      if (name === 'toString' && expression.callee.type === AST_NODE_TYPES.MemberExpression) return isPlainValue(expression.callee.object, sourceCode, depth + 1);
      return false;
    }
    case AST_NODE_TYPES.Identifier: {
      const definition = definitionOf(expression, sourceCode);
      if (!definition) return false;
      if (definition.type === 'Parameter') return definition.name.type === AST_NODE_TYPES.Identifier && isPlainType(definition.name.typeAnnotation?.typeAnnotation);
      if (definition.type !== 'Variable' || definition.node.id !== definition.name) return false;
      if (isPlainType(definition.name.typeAnnotation?.typeAnnotation)) return true;
      // Only a `const` keeps the value its initializer gave it.
      const declaration = definition.parent;
      return declaration?.type === AST_NODE_TYPES.VariableDeclaration && declaration.kind === 'const' && definition.node.init !== null && isPlainValue(definition.node.init, sourceCode, depth + 1);
    }
    default:
      return false;
  }
}

/** Whether a call quotes and escapes its argument, quotes included. */
function isQuotingCall(node: TSESTree.Node): boolean {
  if (node.type !== AST_NODE_TYPES.CallExpression || node.arguments.length === 0) return false;
  const name = calleeName(node.callee);
  if (name === null) return false;
  if (quotingFunctions.has(name)) return true;
  if (quotingMethods.has(name) && node.callee.type === AST_NODE_TYPES.MemberExpression) return true;
  // pg-format: `format('%I', name)`, `format('%L', value)` (a `%s` splices its argument as it is).
  const pattern = node.arguments[0];
  return (
    name === 'format' &&
    pattern?.type === AST_NODE_TYPES.Literal &&
    typeof pattern.value === 'string' &&
    /%[IL]/.test(pattern.value) &&
    !/%s/.test(pattern.value)
  );
}

/** The quote a `replace`/`replaceAll` call doubles in its receiver (`"` for `s.replace(/"/g, '""')`), or null. */
function doubledQuote(node: TSESTree.Node): string | null {
  if (node.type !== AST_NODE_TYPES.CallExpression || node.callee.type !== AST_NODE_TYPES.MemberExpression) return null;
  const name = calleeName(node.callee);
  const [search, replacement] = node.arguments;
  if ((name !== 'replace' && name !== 'replaceAll') || search?.type !== AST_NODE_TYPES.Literal || replacement?.type !== AST_NODE_TYPES.Literal) return null;
  let quote: string | null = null;
  if ('regex' in search && search.regex) {
    if (search.regex.flags.includes('g') && (search.regex.pattern === '"' || search.regex.pattern === "'")) quote = search.regex.pattern;
  } else if (name === 'replaceAll' && (search.value === '"' || search.value === "'")) {
    quote = search.value;
  }
  return quote !== null && replacement.value === quote + quote ? quote : null;
}

/**
 * Whether a value spliced into SQL text between `before` and `after` (the characters around it)
 * cannot end the quoted string or identifier it is written into.
 */
export function isInertSplice(node: TSESTree.Node, before: string, after: string, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const expression = unwrapExpression(node);
  const quoted = (before === "'" || before === '"') && after === before;
  // An escaping function adds its own quotes: inside other quotes its result would end them.
  if (isQuotingCall(expression)) return before !== "'" && before !== '"';
  const doubled = doubledQuote(expression);
  if (doubled !== null) return quoted && before === doubled;
  return isPlainValue(expression, sourceCode, 0);
}
