/**
 * What `this.pool` / `this.#pool` holds, read from the class that declares it, so that a pool
 * kept on an instance is known without type information:
 *
 *     class Invoices { #pool = new Pool(); list() { return this.#pool.query('…'); } }
 *     class Invoices { constructor() { this.pool = new Pool(); } … }
 *
 * Only a member with exactly one value in its class (one field initializer, or one `this.x = …`
 * anywhere in the class) counts; a member assigned in several places is not knowable here.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';

/** An instance member as `this.<name>` names it; `#` starts a private name. */
function memberName(node: TSESTree.MemberExpression): string | null {
  if (node.computed) return null;
  if (node.property.type === AST_NODE_TYPES.Identifier) return node.property.name;
  if (node.property.type === AST_NODE_TYPES.PrivateIdentifier) return `#${node.property.name}`;
  return null;
}

function keyName(key: TSESTree.Node, computed: boolean): string | null {
  if (computed) return null;
  if (key.type === AST_NODE_TYPES.Identifier) return key.name;
  if (key.type === AST_NODE_TYPES.PrivateIdentifier) return `#${key.name}`;
  return null;
}

/**
 * The class body whose instance `this` refers to at `node`, or null when `this` is something
 * else there (a plain function's own `this`, a static member, no class).
 */
function instanceClassOf(node: TSESTree.Node): TSESTree.ClassBody | null {
  for (let current = node.parent; current; current = current.parent) {
    switch (current.type) {
      case AST_NODE_TYPES.FunctionDeclaration:
        return null;
      case AST_NODE_TYPES.FunctionExpression:
        if (current.parent?.type !== AST_NODE_TYPES.MethodDefinition) return null;
        break;
      case AST_NODE_TYPES.MethodDefinition:
      case AST_NODE_TYPES.PropertyDefinition:
        return current.static || current.parent.type !== AST_NODE_TYPES.ClassBody ? null : current.parent;
      case AST_NODE_TYPES.StaticBlock:
        return null;
      default:
        break;
    }
  }
  return null;
}

type MemberValues = Map<string, TSESTree.Node[]>;

const valuesByClass = new WeakMap<TSESTree.ClassBody, MemberValues>();

/** Every value each instance member of `body` is given: field initializers and `this.x = …` assignments. */
function memberValues(body: TSESTree.ClassBody, visitorKeys: TSESLint.SourceCode.VisitorKeys): MemberValues {
  const cached = valuesByClass.get(body);
  if (cached) return cached;
  const values: MemberValues = new Map();
  const add = (name: string, value: TSESTree.Node): void => {
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  };
  for (const element of body.body) {
    if (element.type !== AST_NODE_TYPES.PropertyDefinition || element.static || !element.value) continue;
    const name = keyName(element.key, element.computed);
    if (name !== null) add(name, element.value);
  }
  const visit = (node: TSESTree.Node): void => {
    if (
      node.type === AST_NODE_TYPES.AssignmentExpression &&
      node.left.type === AST_NODE_TYPES.MemberExpression &&
      node.left.object.type === AST_NODE_TYPES.ThisExpression &&
      instanceClassOf(node.left.object) === body
    ) {
      const name = memberName(node.left);
      // `this.pool ??= new Pool()` gives a value too; `+=` and friends do not make a pool.
      if (name !== null) add(name, node.operator === '=' || node.operator === '??=' || node.operator === '||=' ? node.right : node);
    }
    for (const key of visitorKeys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof item === 'object' && typeof (item as { type?: unknown }).type === 'string') visit(item as TSESTree.Node);
      }
    }
  };
  visit(body);
  valuesByClass.set(body, values);
  return values;
}

/** The one value `this.<member>` is given in its class, or null when there is not exactly one. */
export function instanceMemberValue(node: TSESTree.MemberExpression, sourceCode: Readonly<TSESLint.SourceCode>): TSESTree.Node | null {
  if (node.object.type !== AST_NODE_TYPES.ThisExpression) return null;
  const name = memberName(node);
  const body = name === null ? null : instanceClassOf(node.object);
  if (name === null || !body) return null;
  const values = memberValues(body, sourceCode.visitorKeys).get(name);
  return values?.length === 1 ? (values[0] as TSESTree.Node) : null;
}

/**
 * The type annotation `this.<member>` is declared with: a field (`private db: Pool;`) or a
 * constructor parameter property (`constructor(private readonly db: Pool) {}`, as NestJS injects).
 */
export function instanceMemberAnnotation(node: TSESTree.MemberExpression): TSESTree.TypeNode | undefined {
  if (node.object.type !== AST_NODE_TYPES.ThisExpression) return undefined;
  const name = memberName(node);
  const body = name === null ? null : instanceClassOf(node.object);
  if (name === null || !body) return undefined;
  for (const element of body.body) {
    if (element.type === AST_NODE_TYPES.PropertyDefinition && !element.static && keyName(element.key, element.computed) === name) {
      return element.typeAnnotation?.typeAnnotation;
    }
    if (element.type !== AST_NODE_TYPES.MethodDefinition || element.kind !== 'constructor') continue;
    for (const parameter of element.value.params) {
      if (parameter.type !== AST_NODE_TYPES.TSParameterProperty) continue;
      const binding = parameter.parameter.type === AST_NODE_TYPES.AssignmentPattern ? parameter.parameter.left : parameter.parameter;
      if (binding.type === AST_NODE_TYPES.Identifier && binding.name === name) return binding.typeAnnotation?.typeAnnotation;
    }
  }
  return undefined;
}
