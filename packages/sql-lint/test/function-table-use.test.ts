/**
 * `tableUseIndex` finds the tables a PL/pgSQL body names without compiling a pattern per function
 * and table: on seeded random bodies (names in every case, quoted, qualified with spaces and line
 * breaks around the dot, inside longer words, after `.`, `$`, `"`) it answers exactly what
 * `tableMentionPattern(...).test(body)` answers for the first table in order.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { tableMentionPattern, tableUseIndex } from '../src/function-table-use.js';
import type { FunctionModel, TableModel } from '../src/model/schema-model.js';

/** Numbers in [0, 1) from SHA-256 of a counter: the same cases on every run. */
function seeded(seed: string): () => number {
  let block = 0;
  let bytes = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 4 > bytes.length) {
      bytes = createHash('sha256').update(`${seed}:${block++}`).digest();
      at = 0;
    }
    const value = bytes.readUInt32BE(at) / 2 ** 32;
    at += 4;
    return value;
  };
}

const source = { file: 'f.sql', range: { start: 0, end: 0 } };

function table(schema: string, name: string): TableModel {
  const rowSecurity = { enabled: true, forced: true, enabledBy: null, forcedBy: null, disabledBy: null, unforcedBy: null };
  return { schema, name, columns: new Map(), rowSecurity, policies: new Map(), parents: [], partitioned: false, owner: null, createdInHistory: true, source };
}

function fn(schema: string, bodyText: string, bodySearchPath: string[], language = 'plpgsql'): FunctionModel {
  return {
    schema,
    name: 'f',
    argumentTypes: [],
    procedure: false,
    returnType: 'void',
    language,
    securityDefiner: true,
    searchPath: null,
    searchPathSource: null,
    bodySearchPath,
    reads: [],
    writes: [],
    bodyText,
    bodyRelations: [],
    bodyCalls: [],
    execute: new Set(),
    source,
  };
}

/** What the index must answer: the first table, in order, whose pattern matches the body. */
function expected(tables: readonly (readonly [string, TableModel])[], f: FunctionModel): TableModel | undefined {
  return tables.find(([, t]) => tableMentionPattern(t.schema, t.name, f.bodySearchPath.includes(t.schema) || t.schema === f.schema).test(f.bodyText))?.[1];
}

describe('tableUseIndex', () => {
  test('matches the pattern of every table on 4,000 random bodies', () => {
    const random = seeded('table mentions');
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const recase = (word: string): string => [...word].map((c) => (random() < 0.3 ? c.toUpperCase() : c)).join('');
    const names = ['orders', 'order_items', 'o$1', 'app', 'public', 'audit', 'x', 'ord', 'Weird Name', 'crème'];
    const schemas = ['public', 'app', 'audit', 'x'];
    const glue = [' ', '', '\n', '\u00a0', '.', ' . ', '.\n', '"', '$', '_', 'a', '1', '(', ';', '--', "'", 'ſ', 'K', '\t', ','];
    let found = 0;
    for (let round = 0; round < 4000; round++) {
      const tables = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => `${pick(schemas)}.${pick(names)}`))].map((key) => {
        const [schema, name] = key.split('.') as [string, string];
        return [key, table(schema, name)] as const;
      });
      let body = '';
      for (let i = 0; i < 12; i++) {
        const word = random() < 0.5 ? recase(pick([...names, ...schemas])) : '';
        body += pick(glue) + (random() < 0.15 ? `"${word}"` : word);
      }
      const f = fn(pick(schemas), body, random() < 0.5 ? ['public'] : [pick(schemas), 'public']);
      const want = expected(tables, f);
      if (want) found++;
      expect(tableUseIndex(tables)(f), JSON.stringify({ body, tables: tables.map(([k]) => k), schema: f.schema, path: f.bodySearchPath })).toBe(want);
    }
    // Both answers are well represented.
    expect(found).toBeGreaterThan(500);
    expect(found).toBeLessThan(3500);
  });

  test('an SQL body uses only the relations of its parse tree', () => {
    const orders = table('public', 'orders');
    const f = fn('public', 'select * from orders', ['public'], 'sql');
    expect(tableUseIndex([['public.orders', orders]])(f)).toBeUndefined();
    expect(tableUseIndex([['public.orders', orders]])({ ...f, bodyRelations: ['public.orders'] })).toBe(orders);
  });
});
