/**
 * The model against the real thing: every fixture history is applied to a real PostgreSQL
 * server, and what the model says about row-level security, policies and views must be what
 * the catalog says. The live audit, which rebuilds the model from that catalog, must agree too.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditDatabase } from '../src/audit-database.js';
import { lintSql } from '../src/index.js';
import type { SchemaModel } from '../src/index.js';
import { platformPresetFor } from '../src/platform-preset.js';
import { readFixtureCases } from './fixture-cases.js';

/** Cases that do not run on a real server on purpose, and why. */
const NOT_APPLICABLE: Record<string, string> = {
  'policy-missing-tenant-predicate valid/tenant-in-membership-subquery.sql': 'reads a memberships table it does not create',
  'policy-on-table-without-rls valid/table-made-before-the-history.sql': 'a history that starts after its tables were made elsewhere',
  'rls-not-enabled valid/table-made-before-the-history.sql': 'a history that starts after its table was made elsewhere',
  'session-context-set invalid/alter-database-default.sql': 'names a database "app" that does not exist',
  'session-context-set invalid/set-in-do-block.sql': 'updates an orders table it does not create',
  'unknown-context-guc invalid/alter-role.sql': 'names a role it does not create',
  'role-bypasses-rls invalid/role-not-created-here.sql': 'names a role it does not create',
  'current-setting-missing-ok valid/read-outside-any-policy.sql': 'reads a setting nobody set without missing_ok, which raises',
};

/** Cases whose findings need the history (a catalog has no DO blocks, no earlier states), and so differ in the audit. */
const HISTORY_ONLY: Record<string, string> = {
  'rls-enabled-no-policy invalid/only-policy-dropped': 'DROP POLICY',
  'rls-enabled-no-policy valid/disabled-later': 'DISABLE after ENABLE (the audit reports rls-not-enabled)',
  'rls-weakened invalid/disabled-later': 'DISABLE after ENABLE',
  'rls-weakened invalid/disabled-twice-same-file.sql': 'DISABLE after ENABLE',
  'rls-weakened invalid/no-force-later': 'NO FORCE after FORCE (the audit reports rls-not-forced)',
  'rls-weakened invalid/dropped-again-after-rebuild': 'DROP POLICY',
  'rls-weakened invalid/policy-dropped': 'DROP POLICY',
  'rls-weakened invalid/replaced-by-select-only': 'DROP POLICY',
  'security-definer-rls-bypass valid/rls-disabled-table': 'DISABLE after ENABLE',
  'session-context-set invalid/two-files': 'a DO block',
  'unknown-context-guc invalid/other-namespace.sql': 'a top-level SELECT',
  'unknown-context-guc invalid/set-local-statement.sql': 'a top-level SET LOCAL',
  'unknown-context-guc invalid/two-files': 'a DO block',
  // The note about a DO block the replay cannot follow in full is about the text, which a catalog does not have.
  'do-block-not-followed invalid/case-statement.sql': 'a DO block not followed',
  'do-block-not-followed invalid/condition-on-a-setting.sql': 'a DO block not followed',
  'do-block-not-followed invalid/execute-text-from-a-function.sql': 'a DO block not followed',
  'do-block-not-followed invalid/if-on-a-queried-value.sql': 'a DO block not followed',
  'do-block-not-followed invalid/loop-over-catalog-query.sql': 'a DO block not followed',
  'do-block-not-followed invalid/one-note-for-several-places.sql': 'a DO block not followed',
  'do-block-not-followed invalid/while-loop.sql': 'a DO block not followed',
};

interface CatalogState {
  tables: Record<string, { enabled: boolean; forced: boolean }>;
  policies: Record<string, { command: string; permissive: boolean; roles: string[] }>;
  views: Record<string, boolean>;
  /** EXECUTE grantees of each function (`schema.name/argument count`), the owner left out. */
  functions: Record<string, string[]>;
  /** USAGE grantees of each schema, the owner left out. */
  schemas: Record<string, string[]>;
}

const COMMANDS: Record<string, string> = { '*': 'all', r: 'select', a: 'insert', w: 'update', d: 'delete' };

async function catalogState(client: pg.Client): Promise<CatalogState> {
  const tables = await client.query<{ name: string; enabled: boolean; forced: boolean }>(
    `select n.nspname || '.' || c.relname as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'`,
  );
  const policies = await client.query<{ name: string; cmd: string; permissive: boolean; roles: string[] }>(
    `select n.nspname || '.' || c.relname || '.' || p.polname as name, p.polcmd::text as cmd, p.polpermissive as permissive,
            case when p.polroles = '{0}' then array['public'] else array(select rolname::text from pg_roles where oid = any (p.polroles) order by 1) end as roles
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace`,
  );
  const views = await client.query<{ name: string; invoker: boolean }>(
    `select n.nspname || '.' || c.relname as name,
            coalesce((select option_value::boolean from pg_options_to_table(c.reloptions) where option_name = 'security_invoker'), false) as invoker
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('v', 'm') and n.nspname not in ('pg_catalog', 'information_schema')`,
  );
  const grantees = (acl: string, type: string, owner: string, privilege: string): string =>
    `array(select case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end
             from aclexplode(coalesce(${acl}, acldefault('${type}', ${owner}))) a
            where a.privilege_type = '${privilege}' and a.grantee <> ${owner} order by 1)`;
  const functions = await client.query<{ name: string; execute: string[] }>(
    // The model folds function and schema names to lower case (a known simplification of quoted names).
    `select lower(n.nspname || '.' || p.proname) || '/' || p.pronargs as name, ${grantees('p.proacl', 'f', 'p.proowner', 'EXECUTE')} as execute
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'`,
  );
  const schemas = await client.query<{ name: string; usage: string[] }>(
    `select lower(n.nspname) as name, ${grantees('n.nspacl', 'n', 'n.nspowner', 'USAGE')} as usage
       from pg_namespace n where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'`,
  );
  return {
    functions: Object.fromEntries(functions.rows.map((f) => [f.name, f.execute])),
    schemas: Object.fromEntries(schemas.rows.map((n) => [n.name, n.usage])),
    tables: Object.fromEntries(tables.rows.map((t) => [t.name, { enabled: t.enabled, forced: t.forced }])),
    policies: Object.fromEntries(policies.rows.map((p) => [p.name, { command: COMMANDS[p.cmd] ?? p.cmd, permissive: p.permissive, roles: p.roles }])),
    views: Object.fromEntries(views.rows.map((v) => [v.name, v.invoker])),
  };
}

function modelState(model: SchemaModel): CatalogState {
  const state: CatalogState = { tables: {}, policies: {}, views: {}, functions: {}, schemas: {} };
  for (const fn of model.functions.values()) state.functions[`${fn.schema}.${fn.name}/${fn.argumentTypes.length}`] = [...fn.execute].sort();
  for (const [schema, usage] of model.schemaUsage) state.schemas[schema] = [...usage].sort();
  for (const [key, table] of model.tables) {
    state.tables[key] = { enabled: table.rowSecurity.enabled, forced: table.rowSecurity.forced };
    for (const policy of table.policies.values()) {
      state.policies[`${key}.${policy.name}`] = { command: policy.command, permissive: policy.permissive, roles: [...policy.roles].sort() };
    }
  }
  for (const [key, view] of model.views) state.views[key] = view.securityInvoker;
  return state;
}

const cases = readFixtureCases();
let postgres: PostgresServer;

beforeAll(async () => {
  await initAnalyzer();
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.stop();
});

async function dropRoles(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ name: string }>(`select quote_ident(rolname) as name from pg_roles where rolname !~ '^pg_' and rolname <> current_user`);
  for (const row of rows) await admin.query(`drop role ${row.name}`);
}

describe('the model agrees with PostgreSQL', () => {
  const outcomes = new Map<string, string>();

  test.each(cases.map((c) => [`${c.ruleId} ${c.kind}/${c.name}`, c] as const))('%s', async (label, fixture) => {
    const url = await postgres.createDatabase();
    const database = new URL(url).pathname.slice(1);
    const client = await postgres.connect({ database });
    let failure: string | null = null;
    // A platform's own objects exist before the first migration: its prelude runs first, and what
    // the audit finds in them alone is not the fixture's.
    const platform = platformPresetFor(fixture.config, fixture.files);
    let platformFindings: string[] = [];
    try {
      if (platform) {
        await client.query(platform.prelude);
        const alone = await auditDatabase({ databaseUrl: url, config: fixture.config });
        if ('problem' in alone) throw new Error(alone.problem.message);
        platformFindings = alone.findings.map((f) => `${f.ruleId} ${f.file}`);
      }
      for (const file of fixture.files) {
        try {
          // Each file starts on the configured search_path, as the model assumes.
          const path = fixture.config.searchPath?.map((schema) => `"${schema.replaceAll('"', '""')}"`).join(', ');
          await client.query(path === undefined ? 'reset search_path' : `set search_path to ${path}`);
          await client.query(file.text);
        } catch (error) {
          failure = `${file.path}: ${(error as Error).message}`;
          break;
        }
      }
      outcomes.set(label, failure ?? 'applied');
      if (failure) {
        expect(Object.keys(NOT_APPLICABLE)).toContain(label);
        return;
      }
      expect(Object.keys(NOT_APPLICABLE)).not.toContain(label);
      const actual = await catalogState(client);
      const { model } = lintSql({ files: fixture.files, config: fixture.config });
      expect(modelState(model)).toEqual(actual);
      const audit = await auditDatabase({ databaseUrl: url, config: fixture.config });
      if ('problem' in audit) throw new Error(audit.problem.message);
      expect(modelState(audit.model)).toEqual(actual);
      // The audit judges the same final state, so it finds the same rules, except where a rule needs the history.
      const ruleIds = (findings: { ruleId: string }[]): string[] => findings.map((f) => f.ruleId).filter((id) => id !== 'role-bypasses-rls').sort();
      const fromFiles = ruleIds(lintSql({ files: fixture.files, config: fixture.config }).findings);
      const fromCatalog = ruleIds(audit.findings.filter((f) => !platformFindings.includes(`${f.ruleId} ${f.file}`)));
      if (HISTORY_ONLY[label]) expect(fromCatalog).not.toEqual(fromFiles);
      else expect(fromCatalog).toEqual(fromFiles);
    } finally {
      await client.end();
      const admin = await postgres.connect();
      await admin.query(`drop database ${database} with (force)`);
      await dropRoles(admin);
      await admin.end();
    }
  });
});
