/** The prove report as a terminal matrix, a Markdown pull-request comment, or SARIF. */
import { repositoryUrl } from '@tenant-scope/sql-analyzer';
import type { ProveEntry } from './prove-result.js';
import type { ProveReport } from './prove-history.js';

const SYMBOL: Record<ProveEntry['outcome'], string> = { isolated: 'ok', leak: 'LEAK', raises: 'RAISES', 'not-probed': '-' };
const OPERATIONS = ['select', 'insert', 'update', 'delete', 'move-tenant', 'execute'] as const;

/** Entries grouped by object, in report order. */
function byObject(entries: readonly ProveEntry[]): Map<string, ProveEntry[]> {
  const groups = new Map<string, ProveEntry[]>();
  for (const e of entries) (groups.get(e.object) ?? groups.set(e.object, []).get(e.object))?.push(e);
  return groups;
}

function column(entries: readonly ProveEntry[], operation: string, context: string): string {
  const e = entries.find((x) => x.operation === operation && x.context === context);
  return e ? SYMBOL[e.outcome] : '';
}

const HEADERS = ['object', ...OPERATIONS.map((o) => (o === 'move-tenant' ? 'move' : o)), 'no context', "''"];

function rows(entries: readonly ProveEntry[]): string[][] {
  return [...byObject(entries)].map(([object, cells]) => [
    object,
    ...OPERATIONS.map((o) => column(cells, o, 'tenant')),
    column(cells, 'select', 'none') || column(cells, 'execute', 'none'),
    column(cells, 'select', 'reused') || column(cells, 'execute', 'reused'),
  ]);
}

function problems(entries: readonly ProveEntry[]): ProveEntry[] {
  return entries.filter((e) => e.outcome === 'leak' || e.outcome === 'raises');
}

function summary(report: ProveReport): string {
  const bad = problems(report.entries);
  const notProbed = report.entries.filter((e) => e.outcome === 'not-probed');
  const objects = byObject(report.entries).size;
  return `${objects} object${objects === 1 ? '' : 's'} probed as ${report.appRole.name} (${report.appRole.how}) with ${report.context.settings.join(', ')}${report.pgbouncer ? ', directly and through PgBouncer' : ''}: ${bad.length} leak${bad.length === 1 ? '' : 's'} or raise${bad.length === 1 ? '' : 's'}, ${notProbed.length} not probed`;
}

/** The matrix for a terminal, then each leak, raise and unprobed object with its reason and location. */
export function formatProvePretty(report: ProveReport): string {
  const table = [HEADERS, ...rows(report.entries)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const notes = report.entries
    .filter((e) => e.outcome !== 'isolated')
    .map((e) => `${e.file ? `${e.file}:${e.line ?? 1}: ` : ''}${e.outcome} ${e.object} ${e.operation} (${e.context}): ${e.detail}`);
  const { build, seed, probe } = report.timings;
  notes.push(...report.notes.map((n) => `note: ${n}`));
  return `${lines.join('\n')}\n\n${notes.length > 0 ? `${notes.join('\n')}\n\n` : ''}${summary(report)} (build ${build} ms, seed ${seed} ms, probes ${probe} ms)\n`;
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown summary for a pull-request comment. */
export function formatProveMarkdown(report: ProveReport): string {
  const bad = problems(report.entries);
  const out = [`### tenant-scope prove: ${bad.length === 0 ? 'no tenant reaches another tenant\'s rows' : `${bad.length} leak${bad.length === 1 ? '' : 's'} or raise${bad.length === 1 ? '' : 's'}`}`, '', summary(report), ''];
  out.push(`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`);
  for (const r of rows(report.entries)) out.push(`| ${r.map((c, i) => (i === 0 ? `\`${c}\`` : c === 'ok' ? '✅' : c === 'LEAK' ? '❌ leak' : c === 'RAISES' ? '⚠️ raises' : c)).join(' | ')} |`);
  const notes = report.entries.filter((e) => e.outcome !== 'isolated');
  if (notes.length > 0) {
    out.push('', '| object | operation | context | outcome | where | detail |', '|---|---|---|---|---|---|');
    for (const e of notes) out.push(`| \`${e.object}\` | ${e.operation} | ${e.context} | ${e.outcome} | ${e.file ? `\`${e.file}:${e.line ?? 1}\`` : ''} | ${escapeCell(e.detail)} |`);
  }
  if (report.notes.length > 0) out.push('', ...report.notes.map((n) => `- note: ${escapeCell(n)}`));
  return `${out.join('\n')}\n`;
}

const RULES = [
  { id: 'prove-leak', text: 'A tenant reached rows of another tenant (or rows were visible with no tenant context).' },
  { id: 'prove-raises', text: 'A query raised where it should have returned no rows (with no context, or with the context ended on a reused connection).' },
];

/** SARIF 2.1.0: one result per leak or raise, at the policy (or table, view, function) responsible. */
export function formatProveSarif(report: ProveReport, version: string): string {
  const results = problems(report.entries).map((e) => ({
    ruleId: e.outcome === 'leak' ? 'prove-leak' : 'prove-raises',
    level: 'error',
    message: { text: `${e.object} ${e.operation} (${e.context} context): ${e.detail}` },
    locations: [
      e.file
        ? { physicalLocation: { artifactLocation: { uri: e.file.split(/[\\/]/).map(encodeURIComponent).join('/') }, region: { startLine: e.line ?? 1 } } }
        : { logicalLocations: [{ fullyQualifiedName: e.object }] },
    ],
  }));
  const driver = {
    name: 'tenant-scope',
    version,
    informationUri: 'https://github.com/tenant-scope/tenant-scope',
    rules: RULES.map((r) => ({ id: r.id, shortDescription: { text: r.text }, helpUri: `${repositoryUrl}/blob/main/docs/prove.md` })),
  };
  return `${JSON.stringify({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [{ tool: { driver }, results }] }, null, 2)}\n`;
}
