import { defineRule } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A role created or altered with BYPASSRLS or SUPERUSER. */
export const roleBypassesRls = defineRule({
  id: 'role-bypasses-rls',
  meta: {
    severity: 'warn',
    description: 'A role gets BYPASSRLS or SUPERUSER, so every policy is skipped for it.',
    help: 'Give the application role NOBYPASSRLS NOSUPERUSER; keep bypassing roles for migrations and maintenance only.',
    messages: {
      bypasses: 'role {{role}} has {{attribute}}: row-level security policies never apply to it',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const role of context.model.roles.values()) {
      if (!role.bypassRls && !role.superuser) continue;
      reports.push({ source: role.source, messageId: 'bypasses', data: { role: role.name, attribute: role.superuser ? 'SUPERUSER' : 'BYPASSRLS' } });
    }
    return reports;
  },
});
