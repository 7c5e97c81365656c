/** Rules only the live audit runs: they need facts a migration history does not have. */
import { describePath } from './app-role-access.js';
import type { DefaultSearchPath } from './default-search-path.js';
import { defineRule, displayName, tenantColumnOf } from './rule.js';
import type { LintRule, RuleContext, RuleReport } from './rule.js';
import { describeCallers } from './untrusted-callers.js';

/** The role the application connects as bypasses row-level security, itself or through a role it can act as. */
export const appRoleBypassesRls = defineRule({
  id: 'app-role-bypasses-rls',
  meta: {
    severity: 'error',
    description:
      'The role the application connects as (--app-role) bypasses row-level security: it is, or can act as (role membership, ALTER ROLE|DATABASE … SET role), a superuser or BYPASSRLS role, or it has the privileges of the owner of a table whose RLS is not forced.',
    help: 'ALTER ROLE <app> NOSUPERUSER NOBYPASSRLS; REVOKE the bypassing role from it (or GRANT it WITH SET FALSE, INHERIT FALSE); ALTER ROLE <app> RESET role; make another role own the tables, or FORCE ROW LEVEL SECURITY on them.',
    messages: {
      roleAttribute: 'the application role {{role}} has {{attribute}}: no row-level security policy applies to it',
      reachesBypassingRole: 'the application role {{role}} can act as a role that bypasses row-level security: {{path}} ({{attribute}}); {{how}}',
      ownsTable: 'the application role {{role}} owns {{table}}, whose row-level security is not forced: its policies do not apply to it',
      reachesTableOwner: 'the application role {{role}} has the privileges of the owner of {{table}}, whose row-level security is not forced: {{path}} (owner); {{how}}',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    const appRole = context.appRole;
    if (!appRole) return reports;
    const self = context.model.roles.get(appRole);
    if (!self) return reports;
    if (self.superuser || self.bypassRls) {
      reports.push({ source: self.source, messageId: 'roleAttribute', data: { role: appRole, attribute: self.superuser ? 'SUPERUSER' : 'BYPASSRLS' } });
    }
    const access = context.appRoleAccess;
    for (const [name, steps] of access?.become ?? []) {
      const role = context.model.roles.get(name);
      if (steps.length === 0 || !role || !(role.superuser || role.bypassRls)) continue;
      const { path, how } = describePath(appRole, steps);
      reports.push({ source: self.source, messageId: 'reachesBypassingRole', data: { role: appRole, path, how, attribute: role.superuser ? 'SUPERUSER' : 'BYPASSRLS' } });
    }
    for (const table of context.model.tables.values()) {
      if (table.owner === null || !table.rowSecurity.enabled || table.rowSecurity.forced) continue;
      const source = table.rowSecurity.enabledBy ?? table.source;
      const tableName = displayName(table.schema, table.name);
      if (table.owner === appRole) {
        reports.push({ source, messageId: 'ownsTable', data: { role: appRole, table: tableName } });
        continue;
      }
      const steps = access?.privileges.get(table.owner);
      if (!steps) continue;
      const { path, how } = describePath(appRole, steps);
      reports.push({ source, messageId: 'reachesTableOwner', data: { role: appRole, table: tableName, path, how } });
    }
    return reports;
  },
});

/** A table the app role can read that has neither row-level security nor a tenant column. */
export const exposedTable = defineRule({
  id: 'exposed-table',
  meta: {
    severity: 'warn',
    description:
      'A table the application role (--app-role) can SELECT has no row-level security and no tenant column: every tenant reads all of it. Confirm it is meant to be shared by all tenants.',
    help: 'If the table is global reference data, silence the finding for it; otherwise add a tenant column, ENABLE ROW LEVEL SECURITY and a tenant policy, or REVOKE SELECT from the application role.',
    messages: {
      exposed: 'table {{table}} is readable by the application role {{role}} and has no row-level security and no tenant column: every tenant reads all of its rows',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    const access = context.appRoleAccess;
    if (!context.appRole || !access) return reports;
    for (const [key, table] of context.model.tables) {
      if (!access.readable.has(key) || table.rowSecurity.enabled || tenantColumnOf(context, table)) continue;
      reports.push({ source: table.source, messageId: 'exposed', data: { table: displayName(table.schema, table.name), role: context.appRole } });
    }
    return reports;
  },
});

/** The first schema on the path untrusted roles may create in that comes before pg_catalog or a schema of the tables. */
function shadowingSchema(context: RuleContext, path: DefaultSearchPath): { schema: string; creators: string[]; before: string } | undefined {
  const tableSchemas = new Set([...context.model.tables.values()].map((t) => t.schema));
  const catalogAt = path.schemas.indexOf('pg_catalog');
  for (const [i, schema] of path.schemas.entries()) {
    const creators = path.creators.get(schema);
    if (!creators || schema === 'pg_temp' || schema === 'pg_catalog') continue;
    if (catalogAt > i) return { schema, creators, before: 'pg_catalog' };
    const shadowed = path.schemas.slice(i + 1).find((later) => later !== schema && tableSchemas.has(later));
    if (shadowed !== undefined) return { schema, creators, before: shadowed };
  }
  return undefined;
}

/** The app role's sessions start with a search_path on which untrusted roles can shadow what the application uses. */
export const defaultSearchPathWritable = defineRule({
  id: 'default-search-path-writable',
  meta: {
    severity: 'error',
    description:
      'The search_path the application role (--app-role) starts with (ALTER ROLE|DATABASE … SET search_path) puts a schema PUBLIC or the platform\'s client roles can create objects in before pg_catalog or before the schema of the tables: they can shadow the built-in functions or the tables the application uses.',
    help: 'ALTER ROLE <app> SET search_path = <tables schema>, pg_catalog (no schema others can write), or REVOKE CREATE ON SCHEMA <schema> FROM PUBLIC (and the platform\'s client roles).',
    messages: {
      shadows:
        "{{setBy}} search_path = {{value}} gives every session of {{role}} a path with {{schema}}, where {{creators}} can create objects, before {{before}}: {{what}} can be replaced by theirs, and the application runs it",
    },
  },
  check(context) {
    const path = context.appRoleAccess?.searchPath;
    if (!context.appRole || !path) return [];
    const found = shadowingSchema(context, path);
    if (!found) return [];
    const write = context.model.writes.find(({ write, file }) => file === path.file && write.name === 'search_path');
    const what = found.before === 'pg_catalog' ? 'current_setting, set_config or any built-in function called without a schema' : `a table or function of ${found.before} named without a schema`;
    return [
      {
        source: { file: path.file, range: write?.write.range ?? { start: 0, end: 0 } },
        messageId: 'shadows',
        data: { setBy: path.setBy, value: path.value, role: context.appRole, schema: found.schema, creators: describeCallers(found.creators), before: found.before, what },
      },
    ];
  },
});

/** The rules the audit adds to the SQL rules. */
export const auditRules: readonly LintRule[] = [appRoleBypassesRls, exposedTable, defaultSearchPathWritable];
