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
  const isExtensionSchema = picomatch([...globs]);
  const keep = <T extends { schema: string }>(items: Map<string, T>): Map<string, T> => new Map([...items].filter(([, item]) => !isExtensionSchema(item.schema)));
  const touched = [...model.tables.values(), ...model.views.values(), ...model.functions.values()].some((item) => isExtensionSchema(item.schema));
  if (!touched) return model;
  return { ...model, tables: keep(model.tables), views: keep(model.views), functions: keep(model.functions) };
}
