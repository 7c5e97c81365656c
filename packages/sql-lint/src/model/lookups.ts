/**
 * The lookups rules make in the final model, computed once per model and indexed: the model
 * function a call resolves to. Rules resolve every call of every policy, so the index keeps that
 * linear in the history.
 */
import { calledFunctionName } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import type { FunctionCallName, FunctionModel, SchemaModel } from './schema-model.js';

// Built on first use, once the model is final (rules run after the whole history is replayed).
const functionsByName = new WeakMap<SchemaModel, Map<string, FunctionModel[]>>();

function functionIndex(model: SchemaModel): Map<string, FunctionModel[]> {
  let index = functionsByName.get(model);
  if (!index) {
    index = new Map();
    for (const fn of model.functions.values()) {
      const overloads = index.get(fn.name);
      if (overloads) overloads.push(fn);
      else index.set(fn.name, [fn]);
    }
    functionsByName.set(model, index);
  }
  return index;
}

/** The model function a call name resolves to (by name, in its schema when the call names one; the first overload). */
export function resolveFunctionName(model: SchemaModel, { schema, name }: FunctionCallName): FunctionModel | undefined {
  return functionIndex(model).get(name)?.find((fn) => schema === undefined || fn.schema === schema);
}

/** The model function a call in a policy expression resolves to (by name; the first overload). */
export function resolveFunction(model: SchemaModel, call: NodeOfType<'FuncCall'>): FunctionModel | undefined {
  return resolveFunctionName(model, calledFunctionName(call));
}
