import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A SECURITY DEFINER function without a fixed search_path. */
export const securityDefinerSearchPath = defineRule({
  id: 'security-definer-search-path',
  meta: {
    severity: 'error',
    description: 'A SECURITY DEFINER function has no fixed search_path, so a caller can shadow the objects it uses and run code as its owner.',
    help: "Add SET search_path = '' (and qualify names) or SET search_path = pg_catalog, app to the function, or ALTER FUNCTION … SET search_path = ….",
    messages: {
      noSearchPath: 'SECURITY DEFINER function {{function}} has no fixed search_path: a caller can put their own objects first and run them with its owner\'s rights',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const fn of context.model.functions.values()) {
      if (!fn.securityDefiner || fn.searchPath !== null) continue;
      reports.push({ source: fn.source, messageId: 'noSearchPath', data: { function: `${displayName(fn.schema, fn.name)}(${fn.argumentTypes.join(', ')})` } });
    }
    return reports;
  },
});
