/**
 * The tables of the run database as its catalog has them after the history: columns with types,
 * defaults and identity, CHECK/UNIQUE/FOREIGN KEY constraints, row-level security and owner.
 * Seeding needs what the catalog knows exactly (types after domains, defaults, constraint
 * definitions); the schema model is used only to point at the statements responsible.
 */
import type pg from 'pg';

/** A column as seeding needs it. */
export interface CatalogColumn {
  name: string;
  /** `format_type` of the column (`character varying(20)`, `uuid`, `integer[]`). */
  type: string;
  /** The base type's name (`varchar`, `uuid`, `int4`; `_int4` for arrays), through domains. */
  baseType: string;
  /** Length limit of varchar/char columns, or null. */
  maxLength: number | null;
  /** Labels of an enum type, in order; empty for other types. */
  enumLabels: string[];
  notNull: boolean;
  hasDefault: boolean;
  /** `a` (GENERATED ALWAYS AS IDENTITY), `d` (BY DEFAULT) or ''. */
  identity: string;
  /** Generated (stored or virtual) columns take no value. */
  generated: boolean;
}

/** A foreign key: `columns` of the table reference `refColumns` of `refTable`. */
export interface CatalogForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

/** A table (plain or partitioned; partitions are reached through their parent). */
export interface CatalogTable {
  /** `schema.name`, unquoted. */
  key: string;
  schema: string;
  name: string;
  /** Quoted `"schema"."name"` for SQL. */
  sql: string;
  oid: number;
  rlsEnabled: boolean;
  rlsForced: boolean;
  owner: string;
  columns: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
  /** CHECK constraint definitions (`pg_get_constraintdef`). */
  checks: { name: string; definition: string }[];
  /** Columns of the primary key and of each UNIQUE constraint. */
  uniqueKeys: string[][];
}

/** A view (materialized or not). */
export interface CatalogView {
  key: string;
  sql: string;
  securityInvoker: boolean;
  materialized: boolean;
}

/** A SECURITY DEFINER function. */
export interface CatalogFunction {
  /** `schema.name(argtypes)`. */
  key: string;
  schema: string;
  name: string;
  oid: number;
  /** Argument type names (base types through domains), IN arguments only. */
  argumentTypes: string[];
  /** The argument types as SQL (`format_type`), for casts. */
  argumentTypeSql: string[];
  /** Labels of enum arguments (empty for other types). */
  argumentLabels: string[][];
  /** Whether it returns a set or a table. */
  returnsSet: boolean;
  /** Result type name (`record`, `jsonb`, `void`, `trigger`, a table's name, ...). */
  resultType: string;
}

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a literal for SQL (standard_conforming_strings on, the default since 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;
const NOT_EXTENSION = `NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

/** Reads every user table of the database with what seeding and probing need. */
export async function readCatalogTables(client: pg.ClientBase): Promise<CatalogTable[]> {
  const tables = await client.query<{ oid: number; schema: string; name: string; rls: boolean; forced: boolean; owner: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
            pg_catalog.pg_get_userbyid(c.relowner) AS owner
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS} AND ${NOT_EXTENSION}
      ORDER BY n.nspname, c.relname`,
  );
  const columns = await client.query<{ rel: number; name: string; type: string; base: string; typmod: number; labels: string[] | null; notnull: boolean; hasdef: boolean; identity: string; generated: string }>(
    `SELECT a.attrelid::int AS rel, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            b.typname AS base, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = b.oid) AS labels,
            a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS notnull, a.atthasdef OR t.typdefault IS NOT NULL AS hasdef,
            a.attidentity::text AS identity, a.attgenerated::text AS generated
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid = ANY($1::oid[])
      ORDER BY a.attrelid, a.attnum`,
    [tables.rows.map((t) => t.oid)],
  );
  const constraints = await client.query<{ rel: number; name: string; type: string; columns: string[]; ref: number | null; refcolumns: string[] | null; definition: string }>(
    `SELECT c.conrelid::int AS rel, c.conname AS name, c.contype::text AS type,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            NULLIF(c.confrelid, 0)::int AS ref,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS refcolumns,
            pg_catalog.pg_get_constraintdef(c.oid) AS definition
       FROM pg_catalog.pg_constraint c
      WHERE c.contype IN ('c', 'f', 'p', 'u') AND c.conrelid = ANY($1::oid[])
      ORDER BY c.conrelid, c.conname`,
    [tables.rows.map((t) => t.oid)],
  );
  // Referenced tables may be partitions or outside the list (extensions); their keys come from here.
  const refKeys = new Map<number, string>();
  const refOids = [...new Set(constraints.rows.flatMap((c) => (c.ref === null ? [] : [c.ref])))];
  if (refOids.length > 0) {
    const refs = await client.query<{ oid: number; schema: string; name: string }>(
      `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY($1::oid[])`,
      [refOids],
    );
    for (const r of refs.rows) refKeys.set(r.oid, `${r.schema}.${r.name}`);
  }
  return tables.rows.map((t) => ({
    key: `${t.schema}.${t.name}`,
    schema: t.schema,
    name: t.name,
    sql: `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
    oid: t.oid,
    rlsEnabled: t.rls,
    rlsForced: t.forced,
    owner: t.owner,
    columns: columns.rows
      .filter((c) => c.rel === t.oid)
      .map((c) => ({
        name: c.name,
        type: c.type,
        baseType: c.base,
        maxLength: (c.base === 'varchar' || c.base === 'bpchar') && c.typmod > 4 ? c.typmod - 4 : null,
        enumLabels: c.labels ?? [],
        notNull: c.notnull,
        hasDefault: c.hasdef,
        identity: c.identity,
        generated: c.generated !== '',
      })),
    foreignKeys: constraints.rows
      .filter((c) => c.rel === t.oid && c.type === 'f' && c.ref !== null)
      .map((c) => ({ name: c.name, columns: c.columns, refTable: refKeys.get(c.ref as number) ?? '', refColumns: c.refcolumns ?? [] })),
    checks: constraints.rows.filter((c) => c.rel === t.oid && c.type === 'c').map((c) => ({ name: c.name, definition: c.definition })),
    uniqueKeys: constraints.rows.filter((c) => c.rel === t.oid && (c.type === 'p' || c.type === 'u')).map((c) => c.columns),
  }));
}

/** Reads the views of the database (user schemas, not extensions'). */
export async function readCatalogViews(client: pg.ClientBase): Promise<CatalogView[]> {
  const views = await client.query<{ schema: string; name: string; invoker: boolean; materialized: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized,
            COALESCE(c.reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on', 'security_invoker=1'], false) AS invoker
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMAS} AND ${NOT_EXTENSION}
      ORDER BY n.nspname, c.relname`,
  );
  return views.rows.map((v) => ({ key: `${v.schema}.${v.name}`, sql: `${quoteIdent(v.schema)}.${quoteIdent(v.name)}`, securityInvoker: v.invoker, materialized: v.materialized }));
}

/** Reads the SECURITY DEFINER functions of the database (user schemas, not extensions'). */
export async function readSecurityDefinerFunctions(client: pg.ClientBase): Promise<CatalogFunction[]> {
  const functions = await client.query<{ oid: number; schema: string; name: string; args: string[]; sql: string[]; labels: string[][] | null; retset: boolean; result: string }>(
    `SELECT p.oid::int AS oid, n.nspname AS schema, p.proname AS name, p.proretset AS retset, t.typname AS result,
            ARRAY(SELECT b.typname::text FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i)
                    JOIN pg_catalog.pg_type ty ON ty.oid = a.t
                    JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END ORDER BY a.i) AS args,
            ARRAY(SELECT pg_catalog.format_type(a.t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i) ORDER BY a.i) AS sql,
            (SELECT json_agg(ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.t ORDER BY e.enumsortorder) ORDER BY a.i)
               FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i)) AS labels
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace JOIN pg_catalog.pg_type t ON t.oid = p.prorettype
      WHERE p.prosecdef AND p.prokind = 'f' AND ${USER_SCHEMAS}
        AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      ORDER BY n.nspname, p.proname, p.oid`,
  );
  return functions.rows.map((f) => ({
    key: `${f.schema}.${f.name}(${f.args.join(', ')})`,
    schema: f.schema,
    name: f.name,
    oid: f.oid,
    argumentTypes: f.args,
    argumentTypeSql: f.sql,
    argumentLabels: f.labels ?? [],
    returnsSet: f.retset,
    resultType: f.result,
  }));
}
