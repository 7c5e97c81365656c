/**
 * The three tools give the same verdict on the same SQL: the ESLint plugin (SQL sent through a
 * pool), the guard's statement check (SQL sent inside a tenant scope) and `tenant-scope lint` (SQL
 * in a migration). Each finding is mapped to the verdict it stands for; the verdicts come from the
 * analyzer (`contextWriteHazards`, `sessionStateHazards`, `transactionControlHazards`) and each tool
 * adds only its wording.
 *
 * What each tool judges is part of the comparison, named once below: `tenant-scope lint` judges
 * tenant-context writes (not session features or transaction control), and a migration's own
 * top-level statements run on the migration's connection, so at the top level it judges only
 * ALTER ROLE/DATABASE defaults; in a DO block it judges the writes like the other two tools.
 * A role or database default of search_path or the role (`access-default`) is configuration in a
 * migration and in application code; only the guard, which judges SQL sent from inside a tenant
 * transaction, reports it there.
 */
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import plugin from '../../packages/eslint-plugin/src/index.js';
import { statementViolations } from '../../packages/guard/src/statement-violations.js';
import { lintSql } from '../../packages/sql-lint/src/index.js';

/**
 * - `session-set`: tenant context (a context setting, search_path, the role, everything, a setting
 *   named at run time) written, reset or possibly written for the whole session;
 * - `session-default`: a default of a context setting for every new session;
 * - `access-default`: a default of search_path or the role for every new session (the guard's only);
 * - `session-state`: session state that outlives the transaction;
 * - `transaction-control`: the statement ends or replaces the transaction.
 */
type Verdict = 'session-set' | 'session-default' | 'access-default' | 'session-state' | 'transaction-control';

const CONTEXT_GUCS = ['app.tenant_id'];

interface AgreementCase {
  name: string;
  sql: string;
  verdicts: Verdict[];
  /** The same statement inside a DO block, where every tool judges it as code that runs now. */
  doBlock?: string;
}

const cases: AgreementCase[] = [
  { name: 'set_config with is_local a parameter', sql: "select set_config('app.tenant_id', $1, $2)", verdicts: ['session-set'] },
  {
    name: 'set_config with is_local (select false)',
    sql: "select set_config('app.tenant_id', 'acme', (select false))",
    verdicts: ['session-set'],
    doBlock: "DO $$ BEGIN PERFORM set_config('app.tenant_id', 'acme', (select false)); END $$",
  },
  { name: 'RESET ALL', sql: 'RESET ALL', verdicts: ['session-set'] },
  { name: 'DISCARD ALL', sql: 'DISCARD ALL', verdicts: ['session-set'] },
  { name: 'SET LOCAL ROLE', sql: 'SET LOCAL ROLE tenant_reader', verdicts: [], doBlock: 'DO $$ BEGIN SET LOCAL ROLE tenant_reader; END $$' },
  { name: 'SET ROLE', sql: 'SET ROLE tenant_reader', verdicts: ['session-set'], doBlock: 'DO $$ BEGIN SET ROLE tenant_reader; END $$' },
  { name: 'ALTER ROLE … SET app.tenant_id', sql: "ALTER ROLE app_user SET app.tenant_id = 'acme'", verdicts: ['session-default'] },
  { name: 'ALTER DATABASE … SET app.tenant_id', sql: "ALTER DATABASE app SET app.tenant_id = ''", verdicts: ['session-default'] },
  { name: 'ALTER ROLE … RESET app.tenant_id', sql: 'ALTER ROLE app_user RESET app.tenant_id', verdicts: [] },
  { name: 'ALTER ROLE … SET search_path is configuration outside a scope', sql: 'ALTER ROLE app_user SET search_path = app, public', verdicts: ['access-default'] },
  { name: 'ALTER DATABASE … SET role is configuration outside a scope', sql: 'ALTER DATABASE app SET role = tenant_reader', verdicts: ['access-default'] },
  { name: 'ALTER ROLE … RESET search_path', sql: 'ALTER ROLE app_user RESET search_path', verdicts: [] },
  { name: 'session advisory lock', sql: 'select pg_advisory_lock(42)', verdicts: ['session-state'] },
  { name: 'transaction advisory lock', sql: 'select pg_advisory_xact_lock(42)', verdicts: [] },
  { name: 'SET SESSION AUTHORIZATION', sql: 'SET SESSION AUTHORIZATION tenant_reader', verdicts: ['session-set'] },
  { name: 'COMMIT AND CHAIN', sql: 'COMMIT AND CHAIN', verdicts: ['transaction-control'] },
  {
    name: 'DO block with SET search_path',
    sql: 'DO $$ BEGIN SET search_path = tenant_a, public; END $$',
    verdicts: ['session-set'],
    doBlock: 'DO $$ BEGIN SET search_path = tenant_a, public; END $$',
  },
  {
    name: 'DO block with set_config(…, false)',
    sql: "DO $$ BEGIN PERFORM set_config('app.tenant_id', 'acme', false); END $$",
    verdicts: ['session-set'],
    doBlock: "DO $$ BEGIN PERFORM set_config('app.tenant_id', 'acme', false); END $$",
  },
  { name: 'SET LOCAL of the context', sql: "SET LOCAL app.tenant_id = 'acme'", verdicts: [], doBlock: "DO $$ BEGIN SET LOCAL app.tenant_id = 'acme'; END $$" },
  { name: 'a builtin setting', sql: 'SET statement_timeout = 0', verdicts: [], doBlock: 'DO $$ BEGIN SET statement_timeout = 0; END $$' },
];

const ESLINT_VERDICTS: Record<string, Verdict | undefined> = {
  'no-session-set/sessionSet': 'session-set',
  'no-session-set/maybeSessionSet': 'session-set',
  'no-session-set/sessionReset': 'session-set',
  'no-session-set/sessionSetDefault': 'session-default',
  'no-session-search-path/sessionSearchPath': 'session-set',
  'no-session-state/sessionRole': 'session-set',
  'no-session-state/sessionAuthorization': 'session-set',
  'no-session-state/advisoryLock': 'session-state',
  'no-session-state/listen': 'session-state',
  'no-session-state/prepare': 'session-state',
  'no-session-state/tempTable': 'session-state',
  'no-session-state/cursorWithHold': 'session-state',
  'no-pool-transaction/poolTransaction': 'transaction-control',
};

const linter = new Linter({ configType: 'flat' });
const eslintConfig = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest' as const, sourceType: 'module' as const },
    plugins: { '@tenant-scope': plugin },
    settings: { 'tenant-scope': { contextGucs: CONTEXT_GUCS } },
    rules: {
      '@tenant-scope/no-session-set': 'error' as const,
      '@tenant-scope/no-session-search-path': 'error' as const,
      '@tenant-scope/no-session-state': 'error' as const,
      '@tenant-scope/no-pool-transaction': 'error' as const,
    },
  },
];

function unique(verdicts: Verdict[]): Verdict[] {
  return [...new Set(verdicts)].sort();
}

/** The plugin's verdicts on the SQL sent through a pool. */
function eslintVerdicts(sql: string): Verdict[] {
  const code = `import { Pool } from 'pg';\nconst pool = new Pool();\nawait pool.query(${JSON.stringify(sql)});\n`;
  const messages = linter.verify(code, eslintConfig, 'agreement.ts');
  const verdicts: Verdict[] = [];
  for (const message of messages) {
    if (message.fatal) throw new Error(message.message);
    const key = `${(message.ruleId ?? '').replace('@tenant-scope/', '')}/${message.messageId ?? ''}`;
    const verdict = ESLINT_VERDICTS[key];
    if (verdict) verdicts.push(verdict);
    // A transaction-local set through a pool is lost at once: the pool's own concern, not a shared verdict.
    else if (key !== 'no-pool-transaction/poolLocalSet') throw new Error(`unmapped finding ${key}`);
  }
  return unique(verdicts);
}

/** The guard's verdicts on the SQL sent inside a tenant scope. */
function guardVerdicts(sql: string): Verdict[] {
  // context-changed (a transaction-local switch of the role inside a running scope) is the guard's own runtime verdict.
  const verdicts: Verdict[] = [];
  for (const { code, message } of statementViolations(sql, new Set(CONTEXT_GUCS))) {
    if (code === 'context-changed') continue;
    if (code === 'session-set' && message.startsWith('ALTER ')) verdicts.push(message.includes('other tables or rights') ? 'access-default' : 'session-default');
    else verdicts.push(code);
  }
  return unique(verdicts);
}

/** `tenant-scope lint`'s verdicts on the SQL as one migration. */
function sqlLintVerdicts(sql: string): Verdict[] {
  const { findings, configProblem } = lintSql({ files: [{ path: 'migration.sql', text: `${sql};\n` }], config: { contextGucs: CONTEXT_GUCS } });
  if (configProblem) throw new Error(configProblem.message);
  const verdicts: Verdict[] = [];
  for (const finding of findings) {
    if (finding.ruleId !== 'session-context-set') continue;
    verdicts.push(finding.message.includes('a default value') ? 'session-default' : 'session-set');
  }
  return unique(verdicts);
}

/** What `tenant-scope lint` judges of a migration's top-level statements: role and database defaults of tenant context. */
function judgedByLintAtTopLevel(verdicts: Verdict[]): Verdict[] {
  return verdicts.filter((v) => v === 'session-default');
}

/** What the ESLint plugin and `tenant-scope lint` judge: everything but access defaults (configuration outside a scope). */
function judgedOutsideScopes(verdicts: Verdict[]): Verdict[] {
  return verdicts.filter((v) => v !== 'access-default');
}

beforeAll(async () => {
  await initAnalyzer();
});

describe('the ESLint plugin, the guard and tenant-scope lint agree', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.sql} → ${c.verdicts.join(', ') || 'no verdict'}`, () => {
      const isDoBlock = c.sql.startsWith('DO ');
      expect({
        eslint: eslintVerdicts(c.sql),
        guard: guardVerdicts(c.sql),
        sqlLint: sqlLintVerdicts(c.sql),
      }).toEqual({
        eslint: unique(judgedOutsideScopes(c.verdicts)),
        guard: unique(c.verdicts),
        sqlLint: isDoBlock ? unique(judgedOutsideScopes(c.verdicts)) : judgedByLintAtTopLevel(c.verdicts),
      });
    });
    if (c.doBlock && c.doBlock !== c.sql) {
      const doBlock = c.doBlock;
      it(`${c.name}, inside a DO block: every tool judges it`, () => {
        expect({ eslint: eslintVerdicts(doBlock), guard: guardVerdicts(doBlock), sqlLint: sqlLintVerdicts(doBlock) }).toEqual({
          eslint: unique(c.verdicts),
          guard: unique(c.verdicts),
          sqlLint: unique(c.verdicts),
        });
      });
    }
  }
});
