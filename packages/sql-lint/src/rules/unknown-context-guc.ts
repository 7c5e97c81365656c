import { isInCurrentDefinition } from '../current-definitions.js';
import { defineRule } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A custom setting read or written that is not one of the configured context settings. */
export const unknownContextGuc = defineRule({
  id: 'unknown-context-guc',
  meta: {
    severity: 'error',
    description: 'A custom setting is read or written that is not in the configured `contextGucs` (a typo reads NULL and matches no row, or sets context nobody reads).',
    help: 'Use one of the configured context settings, or add this one to contextGucs in tenant-scope.config.json.',
    messages: {
      unknownGuc: '{{action}} of {{name}}, which is not a configured context setting ({{known}})',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    const known = context.contextGucs;
    if (!known) return reports;
    const list = [...known].join(', ');
    const facts = [
      ...context.model.reads.map(({ read, file }) => ({ fact: read, file, action: 'read' })),
      ...context.model.writes.map(({ write, file }) => ({ fact: write, file, action: 'write' })),
    ];
    for (const { fact, file, action } of facts) {
      if (fact.target !== 'custom' || fact.name === null || known.has(fact.name) || !isInCurrentDefinition(context.model, fact)) continue;
      reports.push({ source: { file, range: fact.nameRange ?? fact.range }, messageId: 'unknownGuc', data: { action, name: fact.name, known: list } });
    }
    return reports;
  },
});
