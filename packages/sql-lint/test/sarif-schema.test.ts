import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
// The official SARIF 2.1.0 schema (a draft-04 JSON schema), as the SARIF SDK's matchers ship it.
const schemaPath = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

/** A history whose findings cover errors, warnings, several rules, a parse error and a path with a space. */
const history: Record<string, string> = {
  'migrations/001_orders.sql': 'create table orders (id bigint primary key, tenant_id uuid);\n',
  'migrations/002_invoices.sql': `create table invoices (id bigint primary key, tenant_id uuid not null);
alter table invoices enable row level security;
alter table invoices force row level security;
create policy tenant_rows on invoices
  using (tenant_id = current_setting('app.tenant_id')::uuid);
`,
  'migrations/003_invoice_totals.sql': 'create view invoice_totals as select tenant_id, count(*) from invoices group by tenant_id;\n',
  'migrations/004_broken.sql': 'create tabel broken (id int);\n',
  'migrations/005 support role.sql': 'create role support bypassrls;\n',
};

interface SarifLog {
  version: string;
  $schema: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: Descriptor[] } };
    results: SarifResult[];
  }[];
}
interface Descriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
  help: { text: string };
  defaultConfiguration: { level: string };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> } }[];
  partialFingerprints: Record<string, string>;
}

let dir: string;
let stdout: string;
let exitCode: number | null;
let log: SarifLog;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenant-scope-sarif-'));
  for (const [path, text] of Object.entries(history)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const result = spawnSync(process.execPath, [cli, 'lint', 'migrations', '--format', 'sarif'], { cwd: dir, encoding: 'utf8' });
  stdout = result.stdout;
  exitCode = result.status;
  log = JSON.parse(stdout) as SarifLog;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--format sarif', () => {
  test('is valid against the SARIF 2.1.0 schema', () => {
    // The schema's `language` pattern has a stray `]` that only non-unicode regular expressions accept.
    // Both are CommonJS modules whose export is also their `default`, which is what ESM types see.
    const ajv = new ajvDraft04.default({ allErrors: true, unicodeRegExp: false });
    ajvFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    const valid = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    expect(exitCode).toBe(1);
  });

  test('has the results code scanning shows, at exact regions, with stable fingerprints', () => {
    const run = log.runs[0]!;
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver.name).toBe('tenant-scope');
    const rules = run.tool.driver.rules;
    const rows = run.results.map((r) => {
      const { physicalLocation } = r.locations[0]!;
      const { startLine, startColumn } = physicalLocation.region;
      return `${physicalLocation.artifactLocation.uri}:${startLine}:${startColumn} ${r.level} ${r.ruleId} ${rules[r.ruleIndex]?.id}`;
    });
    expect(rows).toEqual([
      'migrations/001_orders.sql:1:1 error rls-not-enabled rls-not-enabled',
      'migrations/001_orders.sql:1:1 warning tenant-column-nullable tenant-column-nullable',
      'migrations/002_invoices.sql:5:22 error current-setting-unguarded-cast current-setting-unguarded-cast',
      'migrations/003_invoice_totals.sql:1:1 error view-bypasses-rls view-bypasses-rls',
      'migrations/004_broken.sql:1:8 error parse-error parse-error',
      'migrations/005%20support%20role.sql:1:1 warning role-bypasses-rls role-bypasses-rls',
    ]);
    for (const result of run.results) {
      expect(result.message.text).not.toBe('');
      const region = result.locations[0]!.physicalLocation.region;
      expect(Object.keys(region).sort()).toEqual(['endColumn', 'endLine', 'startColumn', 'startLine']);
      expect(Object.keys(result.partialFingerprints)).toEqual(['tenantScopeFinding/v1']);
    }
    const fingerprints = run.results.map((r) => r.partialFingerprints['tenantScopeFinding/v1']);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  test('describes every rule with an id, a name, descriptions and help', () => {
    const rules = log.runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toContain('parse-error');
    for (const rule of rules) {
      expect(rule.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(rule.shortDescription.text).not.toBe('');
      expect(rule.fullDescription.text).not.toBe('');
      expect(rule.help.text).not.toBe('');
      // Notes (severity info) are SARIF's `note`.
      expect(rule.defaultConfiguration.level).toBe(rule.id === 'do-block-not-followed' ? 'note' : rule.defaultConfiguration.level === 'error' ? 'error' : 'warning');
    }
    for (const rule of rules) expect(rule.helpUri).toBe(`https://github.com/tenant-scope/tenant-scope/blob/main/packages/sql-lint/docs/rules/${rule.id}.md`);
  });

  test('keeps a finding\'s fingerprint when lines are added above it', () => {
    const before = log.runs[0]!.results.find((r) => r.ruleId === 'view-bypasses-rls')!;
    writeFileSync(join(dir, 'migrations/003_invoice_totals.sql'), `-- totals per tenant\n\n${history['migrations/003_invoice_totals.sql']}`);
    const moved = JSON.parse(spawnSync(process.execPath, [cli, 'lint', 'migrations', '--format', 'sarif'], { cwd: dir, encoding: 'utf8' }).stdout) as SarifLog;
    const after = moved.runs[0]!.results.find((r) => r.ruleId === 'view-bypasses-rls')!;
    expect(after.locations[0]!.physicalLocation.region['startLine']).toBe(3);
    expect(after.partialFingerprints).toEqual(before.partialFingerprints);
  });
});
