/**
 * Schemas that extensions create for their own bookkeeping (TimescaleDB's `_timescaledb_*`,
 * pg_cron's `cron`, …): their tables, views and functions are the extension's business, so the
 * rules do not judge them. The list is `extensionSchemas` in the configuration.
 */
import picomatch from 'picomatch';
import { DEFAULT_EXTENSION_SCHEMAS } from './lint-config.js';
import type { SchemaModel } from './model/schema-model.js';

/** The model without the objects of extension schemas (the same model when none are present). */
export function withoutExtensionSchemas(model: SchemaModel, globs: readonly string[] = DEFAULT_EXTENSION_SCHEMAS): SchemaModel {
  if (globs.length === 0) return model;
  const matches = picomatch([...globs]);
  // A history has few schemas and many objects: each schema is matched once.
  const judged = new Map<string, boolean>();
  const isExtensionSchema = (schema: string): boolean => {
    let extension = judged.get(schema);
    if (extension === undefined) {
      extension = matches(schema);
      judged.set(schema, extension);
    }
    return extension;
  };
  const keep = <T extends { schema: string }>(items: Map<string, T>): Map<string, T> => new Map([...items].filter(([, item]) => !isExtensionSchema(item.schema)));
  const anyIn = (items: Iterable<{ schema: string }>): boolean => {
    for (const item of items) if (isExtensionSchema(item.schema)) return true;
    return false;
  };
  const touched = anyIn(model.tables.values()) || anyIn(model.views.values()) || anyIn(model.functions.values());
  if (!touched) return model;
  return { ...model, tables: keep(model.tables), views: keep(model.views), functions: keep(model.functions) };
}
