/**
 * Migration code: a file in a `migrations` folder, or the `up`/`down` of a migration (TypeORM's
 * `MigrationInterface`, Knex and Kysely's `export async function up(db)`, Sequelize's
 * `{ up(queryInterface) }`). It runs once, from a deploy step, on the migration tool's connection:
 * a session-level `search_path` or setting it leaves is no request's state handed to the next.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { enclosingFunction } from './enclosing-function.js';
import { calleeName } from './sql-text.js';

const migrationFolder = /^migrations?$/i;
const migrationSteps = new Set(['up', 'down']);

/** The name a function is known by where it is written: its own, its method's or property's, or what it is assigned to. */
function functionName(fn: TSESTree.Node): string | null {
  if ((fn.type === AST_NODE_TYPES.FunctionDeclaration || fn.type === AST_NODE_TYPES.FunctionExpression) && fn.id) return fn.id.name;
  const parent = fn.parent;
  if ((parent?.type === AST_NODE_TYPES.MethodDefinition || parent?.type === AST_NODE_TYPES.Property) && parent.value === fn && !parent.computed) return calleeName(parent.key);
  if (parent?.type === AST_NODE_TYPES.AssignmentExpression && parent.right === fn) return calleeName(parent.left);
  if (parent?.type === AST_NODE_TYPES.VariableDeclarator && parent.init === fn && parent.id.type === AST_NODE_TYPES.Identifier) return parent.id.name;
  return null;
}

/** Whether the query at `node` of the file `filename` is migration code. */
export function isMigrationCode(node: TSESTree.Node, filename: string): boolean {
  if (filename.split(/[\\/]/).some((segment) => migrationFolder.test(segment))) return true;
  for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(fn)) {
    const name = functionName(fn);
    if (name !== null && migrationSteps.has(name)) return true;
  }
  return false;
}
