/**
 * What a type annotation says a handle is, read without type information: `db: Pool` with `Pool`
 * imported from `pg`, `dataSource: DataSource` from `typeorm`, `trx: Knex.Transaction`. Only a
 * name imported from the package that declares it counts: a local `Pool` type says nothing.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import type { TypeSpecifier } from './settings.js';

/** The kind an annotation gives, or null when it names nothing known. */
export type AnnotatedKind = 'pool' | 'client' | 'transaction' | null;

/** A type as written: the module it is imported from and its name there (the last part of `pg.Pool`). */
interface ImportedTypeName {
  source: string;
  name: string;
}

function rightmostName(name: TSESTree.EntityName): string | null {
  if (name.type === AST_NODE_TYPES.Identifier) return name.name;
  if (name.type === AST_NODE_TYPES.TSQualifiedName) return name.right.name;
  return null;
}

function leftmostIdentifier(name: TSESTree.EntityName): TSESTree.Identifier | null {
  let current: TSESTree.EntityName = name;
  while (current.type === AST_NODE_TYPES.TSQualifiedName) current = current.left;
  return current.type === AST_NODE_TYPES.Identifier ? current : null;
}

/** Where the type named by a `TSTypeReference` is imported from, or null when it is not imported. */
function importedTypeName(reference: TSESTree.TSTypeReference, sourceCode: Readonly<TSESLint.SourceCode>): ImportedTypeName | null {
  const head = leftmostIdentifier(reference.typeName);
  const last = rightmostName(reference.typeName);
  if (!head || last === null) return null;
  const variable = ASTUtils.findVariable(sourceCode.getScope(reference), head.name);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (definition?.type !== 'ImportBinding') return null;
  const declaration = definition.parent;
  if (declaration.type !== AST_NODE_TYPES.ImportDeclaration) return null;
  const specifier = definition.node;
  // `import { Pool as PgPool } from 'pg'` names `Pool`; `import pg from 'pg'` + `pg.Pool` names `Pool`.
  const name =
    reference.typeName.type === AST_NODE_TYPES.Identifier && specifier.type === AST_NODE_TYPES.ImportSpecifier
      ? specifier.imported.type === AST_NODE_TYPES.Identifier
        ? specifier.imported.name
        : String(specifier.imported.value)
      : last;
  return { source: declaration.source.value, name };
}

function fromPackage(source: string, packageName: string): boolean {
  return source === packageName || source.startsWith(`${packageName}/`);
}

function matchesSpecifier(imported: ImportedTypeName, specifier: TypeSpecifier): boolean {
  if (typeof specifier === 'string' || specifier.from !== 'package') return false;
  const names = Array.isArray(specifier.name) ? specifier.name : [specifier.name];
  return names.includes(imported.name) && fromPackage(imported.source, specifier.package);
}

/**
 * The kind of handle a type annotation names, matched against the same package specifiers that
 * type information uses (`poolTypes`, `clientTypes`, the libraries' transaction types). Unions, `any` and local types are not known.
 */
export function annotatedKind(
  annotation: TSESTree.TypeNode | undefined,
  sourceCode: Readonly<TSESLint.SourceCode>,
  types: { poolTypes: readonly TypeSpecifier[]; clientTypes: readonly TypeSpecifier[]; transactionTypes: readonly TypeSpecifier[] },
): AnnotatedKind {
  if (annotation?.type !== AST_NODE_TYPES.TSTypeReference) return null;
  const imported = importedTypeName(annotation, sourceCode);
  if (!imported) return null;
  if (types.transactionTypes.some((specifier) => matchesSpecifier(imported, specifier))) return 'transaction';
  if (types.clientTypes.some((specifier) => matchesSpecifier(imported, specifier))) return 'client';
  if (types.poolTypes.some((specifier) => matchesSpecifier(imported, specifier))) return 'pool';
  return null;
}
