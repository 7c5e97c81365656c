/**
 * The history keeps every version of a function, but only the last one runs: a setting read or
 * write in the body of a version later replaced (CREATE OR REPLACE) or dropped is not judged.
 */
import type { GucRead, GucWrite } from '@tenant-scope/sql-analyzer';
import type { SchemaModel } from './model/schema-model.js';

const currentFacts = new WeakMap<SchemaModel, Set<GucRead | GucWrite>>();

/** Whether a read or write is in a statement, a DO block, or the body of a function as it stands at the end of the history. */
export function isInCurrentDefinition(model: SchemaModel, fact: GucRead | GucWrite): boolean {
  if (fact.origin !== 'function-body') return true;
  let facts = currentFacts.get(model);
  if (!facts) {
    facts = new Set();
    for (const fn of model.functions.values()) {
      for (const read of fn.reads) facts.add(read);
      for (const write of fn.writes) facts.add(write);
    }
    currentFacts.set(model, facts);
  }
  return facts.has(fact);
}
