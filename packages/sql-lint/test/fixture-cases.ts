/**
 * Reads the rule fixtures: `fixtures/<rule-id>/{invalid,valid}/<case>.sql` (one file) or
 * `<case>/` (a history of files, applied in natural order), with the expected findings written in
 * the SQL as `-- expect: <rule-id> <line>:<column>` (in the file where the finding is). The rule's
 * `config.json` applies to all its cases; a case may add its own (`<case>.config.json` beside a
 * file, `config.json` inside a folder), merged over it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LintConfig, SqlFile } from '../src/index.js';

export const fixturesDir = join(import.meta.dirname, 'fixtures');

/** An expected finding. */
export interface ExpectedFinding {
  file: string;
  ruleId: string;
  line: number;
  column: number;
}

/** One fixture case. */
export interface FixtureCase {
  ruleId: string;
  kind: 'valid' | 'invalid';
  name: string;
  files: SqlFile[];
  expected: ExpectedFinding[];
  config: LintConfig;
}

const EXPECT = /--\s*expect:\s*([a-z-]+)\s+(\d+):(\d+)/g;
const natural = new Intl.Collator('en', { numeric: true });

function caseFiles(path: string, name: string): SqlFile[] {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter((f) => f.endsWith('.sql'))
      .sort(natural.compare)
      .map((f) => ({ path: `${name}/${f}`, text: readFileSync(join(path, f), 'utf8') }));
  }
  return [{ path: name, text: readFileSync(path, 'utf8') }];
}

/** Every fixture case of every rule. */
export function readFixtureCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const ruleId of readdirSync(fixturesDir).sort()) {
    const ruleDir = join(fixturesDir, ruleId);
    if (!statSync(ruleDir).isDirectory()) continue;
    const configPath = join(ruleDir, 'config.json');
    const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as LintConfig) : {};
    for (const kind of ['invalid', 'valid'] as const) {
      const dir = join(ruleDir, kind);
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir).sort(natural.compare)) {
        if (!entry.endsWith('.sql') && !statSync(join(dir, entry)).isDirectory()) continue;
        const files = caseFiles(join(dir, entry), entry);
        const expected = files.flatMap((file) =>
          [...file.text.matchAll(EXPECT)].map((m) => ({ file: file.path, ruleId: m[1] as string, line: Number(m[2]), column: Number(m[3]) })),
        );
        const ownConfigPath = entry.endsWith('.sql') ? join(dir, entry.replace(/\.sql$/, '.config.json')) : join(dir, entry, 'config.json');
        const ownConfig = existsSync(ownConfigPath) ? (JSON.parse(readFileSync(ownConfigPath, 'utf8')) as LintConfig) : {};
        cases.push({ ruleId, kind, name: entry, files, expected, config: { ...config, ...ownConfig } });
      }
    }
  }
  return cases;
}
