#!/usr/bin/env node
/**
 * `tenant-scope-analyze [--json] <file.sql>…`: prints what each SQL file does to session state.
 * Exit codes: 0 read every file, 1 a file did not parse, 2 bad usage or an unreadable file.
 */
import { readFileSync } from 'node:fs';
import { analyzeSqlUncached, contextReadHazards, initAnalyzer, LineIndex } from './index.js';
import type { ContextReadHazard, GucValue, SessionFact } from './index.js';

const VALUE_WORDS: Record<GucValue['kind'], string> = {
  literal: 'a literal',
  parameter: 'a bind parameter',
  interpolated: 'text spliced into the SQL',
  expression: 'an expression',
  default: 'the default',
  current: 'the current value',
};

const HAZARD_WORDS: Record<ContextReadHazard, string> = {
  'raises-when-unset': 'raises on connections that never set it (add missing_ok => true)',
  'cast-without-nullif': "cast without NULLIF(…, ''): raises on reused connections, where it reads ''",
  'evaluated-per-row': 'not in a scalar subquery, so it may run once per row',
};

function describe(fact: SessionFact): string {
  const where = fact.origin === 'function-body' ? ` (in ${fact.functionName ?? 'a function'} body, when called)` : fact.origin === 'do-block' ? ' (in a DO block)' : '';
  switch (fact.kind) {
    case 'guc-write': {
      const name = fact.name ?? (fact.target === 'all' ? 'all settings' : 'a setting named at run time');
      const lasts = fact.scope === 'session' ? 'for the session: the next user of this connection sees it' : fact.scope === 'transaction' ? 'until the transaction ends' : 'for an unknown time (is_local is not a literal)';
      const value = fact.value ? ` (value: ${VALUE_WORDS[fact.value.kind]})` : '';
      return `${fact.via} writes ${name}${value}; lasts ${lasts}${where}`;
    }
    case 'guc-read': {
      const hazards = contextReadHazards(fact).map((h) => HAZARD_WORDS[h]);
      return `reads ${fact.name ?? 'a setting'}${hazards.length ? `: ${hazards.join('; ')}` : ''}${where}`;
    }
    case 'transaction-control':
      return `transaction control: ${fact.operation}${where}`;
    case 'session-state':
      return `session state that outlives the transaction: ${fact.feature} ${fact.detail}${where}`;
  }
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const files = argv.filter((a) => a !== '--json');
  if (files.length === 0 || files.some((f) => f.startsWith('-'))) {
    process.stderr.write('usage: tenant-scope-analyze [--json] <file.sql>…\n');
    return 2;
  }
  await initAnalyzer();
  let status = 0;
  const report: unknown[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      process.stderr.write(`${file}: cannot read: ${(error as Error).message}\n`);
      status = 2;
      continue;
    }
    const analysis = analyzeSqlUncached(text);
    const lines = new LineIndex(text);
    if (analysis.error) {
      status = Math.max(status, 1);
      const { line, column, message } = analysis.error;
      if (json) report.push({ file, error: analysis.error });
      else process.stdout.write(`${file}:${line}:${column}: syntax error: ${message}\n`);
      continue;
    }
    for (const fact of analysis.facts) {
      const start = lines.positionAt(fact.range.start);
      const end = lines.positionAt(fact.range.end);
      if (json) report.push({ file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, fact });
      else process.stdout.write(`${file}:${start.line}:${start.column}: ${describe(fact)}\n`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tenant-scope-analyze: internal error: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
