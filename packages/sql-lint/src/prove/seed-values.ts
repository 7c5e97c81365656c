/**
 * Values for seeded rows, from a column's type: distinct per row (a run-wide serial number) and
 * recognisable per tenant (uuids and texts carry the tenant's letter), so that a row seen through
 * a view or a function's result can be traced to the tenant it was seeded for.
 */
import type { CatalogColumn } from './catalog-tables.js';
import { quoteLiteral } from './catalog-tables.js';

/** The three seeded tenants: two that probe each other, and an unrelated third. */
export const TENANTS = ['A', 'B', 'C'] as const;
/** One of the seeded tenants. */
export type TenantLabel = (typeof TENANTS)[number];

const INTEGERS = new Set(['int4', 'int8', 'numeric', 'float4', 'float8', 'oid']);
const TEXTS = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);

/** The tenant's id as text for a tenant column of this base type, or undefined when the type cannot carry one. */
export function tenantIdText(tenant: TenantLabel, baseType: string, maxLength: number | null = null): string | undefined {
  const index = TENANTS.indexOf(tenant) + 1;
  const letter = tenant.toLowerCase();
  if (baseType === 'uuid') return `${letter.repeat(8)}-${letter.repeat(4)}-4${letter.repeat(3)}-8${letter.repeat(3)}-${letter.repeat(12)}`;
  if (baseType === 'int2') return String(9100 + index);
  if (INTEGERS.has(baseType)) return String(910000 + index);
  if (TEXTS.has(baseType)) return maxLength !== null && maxLength < 8 ? letter.repeat(Math.min(maxLength, 1)) : `tenant-${letter}`;
  return undefined;
}

/** How eager a generated row is: every column it can fill, or only what the table requires with plain values. */
export type SeedMode = 'full' | 'required';

/** A literal for a column, cast to its type; undefined when no value can be generated for the type. */
export function columnLiteral(column: CatalogColumn, tenant: TenantLabel, serial: number, mode: SeedMode, checkLiterals: readonly string[]): string | undefined {
  const text = generatedText(column, tenant, serial, mode, checkLiterals);
  return text === undefined ? undefined : `${quoteLiteral(text)}::${column.type}`;
}

/** A tenant id literal cast to the column's type. */
export function tenantLiteral(column: CatalogColumn, tenant: TenantLabel): string | undefined {
  const text = tenantIdText(tenant, column.baseType, column.maxLength);
  return text === undefined ? undefined : `${quoteLiteral(text)}::${column.type}`;
}

function generatedText(column: CatalogColumn, tenant: TenantLabel, serial: number, mode: SeedMode, checkLiterals: readonly string[]): string | undefined {
  const letter = tenant.toLowerCase();
  const base = column.baseType;
  if (column.enumLabels.length > 0) return checkLiterals.find((l) => column.enumLabels.includes(l)) ?? column.enumLabels[0];
  if (checkLiterals.length > 0 && (TEXTS.has(base) || INTEGERS.has(base) || base === 'int2')) return checkLiterals[0];
  if (base.startsWith('_')) return '{}';
  if (base === 'uuid') return `${letter.repeat(8)}-0000-4000-8000-${String(serial).padStart(12, '0')}`;
  if (base === 'int2') return String(mode === 'full' ? 100 + (serial % 30000) : 1);
  if (INTEGERS.has(base)) return String(mode === 'full' ? 7100000 + serial : 1);
  if (base === 'money') return '1.00';
  if (TEXTS.has(base)) {
    // Emails are checked by pattern (CHECK (email ~* '^.+@.+$')) often enough to be written as one.
    const email = /e-?mail/i.test(column.name);
    const value = email ? `${letter}${serial}@example.com` : mode === 'full' ? `${letter}-${column.name}-${serial}` : `${letter}${serial}`;
    return column.maxLength === null ? value : value.slice(0, column.maxLength);
  }
  if (base === 'bool') return 'true';
  const day = new Date(Date.UTC(2024, 0, 1) + (serial % 3000) * 86_400_000);
  if (base === 'date') return day.toISOString().slice(0, 10);
  if (base === 'timestamp' || base === 'timestamptz') return day.toISOString();
  if (base === 'time' || base === 'timetz') return '12:00:00';
  if (base === 'interval') return '1 day';
  if (base === 'json' || base === 'jsonb') return '{}';
  if (base === 'bytea') return '\\x00';
  if (base === 'inet') return `10.0.${serial % 250}.1`;
  if (base === 'cidr') return `10.${serial % 250}.0.0/16`;
  if (base === 'macaddr') return '08:00:2b:01:02:03';
  if (base === 'tsvector') return '';
  if (base === 'xml') return '<seed/>';
  return undefined;
}

/**
 * The quoted literals a CHECK constraint allows for a column, when the constraint is about that
 * column only (`status IN ('open', 'paid')`, `kind = 'x'`): the first is a value it accepts.
 */
export function checkLiteralsFor(column: string, checks: readonly { definition: string }[]): string[] {
  const found: string[] = [];
  for (const { definition } of checks) {
    const mentions = definition.includes(`(${column})`) || new RegExp(`(^|[^\\w"])("${column}"|${column})([^\\w"]|$)`).test(definition);
    if (!mentions || !/=\s*(ANY|'|\()/.test(definition) || /\bNOT\b|<>|!=/.test(definition)) continue;
    for (const match of definition.matchAll(/'((?:[^']|'')*)'/g)) found.push((match[1] ?? '').replaceAll("''", "'"));
  }
  return found;
}

/** Whether a text from a seeded row can identify the tenant it was seeded for (long enough not to occur by chance). */
export function isDistinctive(value: string): boolean {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.abs(Number(value)) >= 100000;
  return value.length >= 8 && !/^(true|false|\{\}|\[\])$/.test(value) && !/^\d{4}-\d{2}-\d{2}/.test(value);
}
