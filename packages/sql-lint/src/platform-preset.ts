/**
 * Platform presets: what a hosted platform puts in every database before the app's first
 * migration, and how its clients connect. A preset's state is SQL (its prelude) replayed before the
 * history, so the model builder needs no special case and the oracle test can apply the same SQL
 * to a real server. What each preset assumes, with sources: docs/platforms/<name>.md.
 */
import type { LintConfig, PlatformName, RuleSetting } from './lint-config.js';
import { supabasePreset } from './platforms/supabase.js';

/** A platform preset. */
export interface PlatformPreset {
  name: PlatformName;
  /** SQL replayed before the history: the platform's schemas, tables with their RLS state, functions and roles. */
  prelude: string;
  /** Settings the platform's identity functions read; they count as context when `contextGucs` is configured too. */
  contextGucs: readonly string[];
  /** Tables (`schema.name`) every tenant's data lives in together, judged like tenant tables by `policy-always-true`. */
  sharedTables: readonly string[];
  /** Roles the platform's clients connect as (`public` included): not table owners. */
  clientRoles: readonly string[];
  /** Functions (`schema.name`) that return the role a request runs as (see request-role-gate.ts). */
  roleFunctions: readonly string[];
  /** Severities the platform changes, unless the configuration sets them. */
  rules: Readonly<Record<string, RuleSetting>>;
}

/** The file name the prelude's statements carry in the model; findings there are never reported. */
export const PRELUDE_PREFIX = 'tenant-scope:platform/';

const PRESETS: Readonly<Record<PlatformName, PlatformPreset>> = { supabase: supabasePreset };

/** The prelude of a preset as a history file. */
export function preludeFile(preset: PlatformPreset): { path: string; text: string } {
  return { path: `${PRELUDE_PREFIX}${preset.name}`, text: preset.prelude };
}

/** Whether a file is a platform prelude. */
export function isPreludeFile(path: string): boolean {
  return path.startsWith(PRELUDE_PREFIX);
}

const SUPABASE_LAYOUT = /(?:^|[/\\])supabase[/\\]migrations[/\\]/;
const SUPABASE_IDENTITY = /(?:\bauth|"auth")\s*\.\s*(?:uid|jwt|"uid"|"jwt")\s*\(/i;

/**
 * The preset in effect: the configured `platform`, else Supabase when the history lives in
 * `supabase/migrations/` or calls `auth.uid()`/`auth.jwt()`; `"platform": "none"` turns detection off.
 */
export function platformPresetFor(config: LintConfig, files: Iterable<{ path: string; text: string }>): PlatformPreset | null {
  if (config.platform === 'none') return null;
  if (config.platform) return PRESETS[config.platform];
  for (const file of files) {
    if (isPreludeFile(file.path)) continue;
    if (SUPABASE_LAYOUT.test(file.path) || SUPABASE_IDENTITY.test(file.text)) return PRESETS.supabase;
  }
  return null;
}
