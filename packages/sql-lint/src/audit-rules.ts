/** Rules only the live audit runs: they need facts a migration history does not have. */
import { defineRule, displayName } from './rule.js';
import type { LintRule, RuleReport } from './rule.js';

/** The role the application connects as bypasses row-level security. */
export const appRoleBypassesRls = defineRule({
  id: 'app-role-bypasses-rls',
  meta: {
    severity: 'error',
    description:
      'The role the application connects as (--app-role) bypasses row-level security: it is a superuser, has BYPASSRLS, or owns a table whose RLS is not forced.',
    help: 'ALTER ROLE <app> NOSUPERUSER NOBYPASSRLS; make another role own the tables, or FORCE ROW LEVEL SECURITY on them.',
    messages: {
      roleAttribute: 'the application role {{role}} has {{attribute}}: no row-level security policy applies to it',
      ownsTable: 'the application role {{role}} owns {{table}}, whose row-level security is not forced: its policies do not apply to it',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    const appRole = context.appRole;
    if (!appRole) return reports;
    const role = context.model.roles.get(appRole);
    if (role && (role.superuser || role.bypassRls)) {
      reports.push({ source: role.source, messageId: 'roleAttribute', data: { role: appRole, attribute: role.superuser ? 'SUPERUSER' : 'BYPASSRLS' } });
    }
    for (const table of context.model.tables.values()) {
      if (table.owner !== appRole || !table.rowSecurity.enabled || table.rowSecurity.forced) continue;
      reports.push({ source: table.rowSecurity.enabledBy ?? table.source, messageId: 'ownsTable', data: { role: appRole, table: displayName(table.schema, table.name) } });
    }
    return reports;
  },
});

/** The rules the audit adds to the SQL rules. */
export const auditRules: readonly LintRule[] = [appRoleBypassesRls];
