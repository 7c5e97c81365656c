import type { TenantScopeViolation } from './tenant-scope-violation.js';

/** `off`: report to `onViolation` only; `warn`: also log; `throw`: also throw, and hold back SQL that shows the problem. */
export type AssertionMode = 'off' | 'warn' | 'throw';

/** A check on one context value: `'uuid'`, a pattern, or a function returning true when the value is acceptable. */
export type ContextValidator = 'uuid' | RegExp | ((value: string) => boolean);

/** Options of {@link createTenantScope}. `K` are the context keys, e.g. `'tenantId' | 'userId'`. */
export interface TenantScopeOptions<K extends string> {
  /** Context key -> setting (GUC) name, e.g. `{ tenantId: 'app.tenant_id' }`. Names must be dotted (custom) settings. */
  context: Record<K, string>;
  /** Default: the `TENANT_SCOPE_ASSERT` environment variable, else `'off'`. */
  assertions?: AssertionMode;
  /** Per-key checks run before anything is sent; every value must also be a non-empty string. */
  validate?: Partial<Record<K, ContextValidator>>;
  /** Called for every violation, in every mode. */
  onViolation?: (violation: TenantScopeViolation) => void;
  /** Called each time `withoutTenant` hands out a connection, with the caller's stack. */
  onWithoutTenant?: (event: { callSite: string }) => void;
  /** Where `warn` and `throw` modes log. Default: `console`. */
  logger?: { warn(message: string): void };
  /** Tables having one of these columns are tenant tables for `audit()`. Default: `['tenant_id']`. */
  tenantColumns?: readonly string[];
}

/** Per-transaction options of `withTenant`. */
export interface TenantTransactionOptions {
  readOnly?: boolean;
  isolationLevel?: 'read committed' | 'repeatable read' | 'serializable';
  deferrable?: boolean;
}

/** A configuration mistake, found when the scope is created; nothing was sent. */
export class TenantScopeConfigError extends Error {
  override readonly name = 'TenantScopeConfigError';
  /** What to do about it. */
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(`${message} (${hint})`);
    this.hint = hint;
  }
}

/**
 * A context value that cannot be used (missing, empty, not a string, rejected by its validator,
 * containing a NUL byte, or an unknown key): the request is at fault, not the configuration, so
 * it carries HTTP status 400 (`status`/`statusCode`, which Express and Fastify error handlers
 * read). Nothing was sent.
 */
export class TenantValueError extends Error {
  override readonly name = 'TenantValueError';
  /** The context key at fault. */
  readonly key: string;
  /** What to do about it. */
  readonly hint: string;
  readonly status = 400;
  readonly statusCode = 400;
  constructor(key: string, message: string, hint: string) {
    super(`${message} (${hint})`);
    this.key = key;
    this.hint = hint;
  }
}

const MODES: readonly AssertionMode[] = ['off', 'warn', 'throw'];

/** The mode from the option, else from `TENANT_SCOPE_ASSERT`, else `off`. */
export function resolveAssertionMode(option: AssertionMode | undefined, environment: string | undefined): AssertionMode {
  const chosen = option ?? (environment === undefined || environment === '' ? 'off' : environment.toLowerCase());
  if (!MODES.includes(chosen as AssertionMode)) {
    const source = option === undefined ? `TENANT_SCOPE_ASSERT=${environment}` : `assertions: ${JSON.stringify(option)}`;
    throw new TenantScopeConfigError(`unknown assertion mode in ${source}`, `use one of ${MODES.join(', ')}`);
  }
  return chosen as AssertionMode;
}

// A custom setting: two or more dotted identifier parts, as PostgreSQL accepts for placeholders.
const CUSTOM_GUC = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)+$/;

/** One configured context key with its lowercased setting name. */
export interface ContextGuc {
  key: string;
  guc: string;
  validator: ContextValidator | undefined;
}

/** Checks the `context` option and lowercases the names (PostgreSQL compares setting names case-insensitively). */
export function contextGucsFrom<K extends string>(context: Record<K, string>, validate: Partial<Record<K, ContextValidator>> = {}): ContextGuc[] {
  const entries = Object.entries<string>(context);
  if (entries.length === 0) {
    throw new TenantScopeConfigError('context names no settings', "give at least one key, e.g. { tenantId: 'app.tenant_id' }");
  }
  const seen = new Set<string>();
  return entries.map(([key, name]) => {
    const guc = typeof name === 'string' ? name.toLowerCase() : '';
    if (!CUSTOM_GUC.test(guc)) {
      throw new TenantScopeConfigError(`context.${key} is not a custom setting name: ${JSON.stringify(name)}`, "use a dotted name such as 'app.tenant_id'");
    }
    if (seen.has(guc)) throw new TenantScopeConfigError(`setting ${guc} is named by two context keys`, 'give each key its own setting');
    seen.add(guc);
    return { key, guc, validator: (validate as Record<string, ContextValidator | undefined>)[key] };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The values to send, in `gucs` order, or a {@link TenantValueError} naming the first bad key.
 * Values are checked before a connection is even taken.
 */
export function contextValuesFor(gucs: readonly ContextGuc[], values: Readonly<Record<string, unknown>>): string[] {
  for (const key of Object.keys(values)) {
    if (!gucs.some((g) => g.key === key)) {
      throw new TenantValueError(key, `unknown context key ${JSON.stringify(key)}`, `the scope's keys are ${gucs.map((g) => g.key).join(', ')}`);
    }
  }
  return gucs.map(({ key, validator }) => {
    const value = values[key];
    if (typeof value !== 'string' || value === '') {
      throw new TenantValueError(key, `context value ${key} must be a non-empty string, got ${describe(value)}`, 'pass every context key');
    }
    if (value.includes('\0')) {
      throw new TenantValueError(key, `context value ${key} contains a NUL byte, which PostgreSQL text cannot hold`, 'check where the value comes from');
    }
    if (validator !== undefined && !passes(validator, value)) {
      const expected = validator === 'uuid' ? 'a UUID' : 'a value its validator accepts';
      throw new TenantValueError(key, `context value ${key} is not ${expected}: ${JSON.stringify(value.slice(0, 80))}`, 'check where the value comes from');
    }
    return value;
  });
}

function passes(validator: ContextValidator, value: string): boolean {
  if (validator === 'uuid') return UUID.test(value);
  if (validator instanceof RegExp) return validator.test(value);
  return validator(value) === true;
}

function describe(value: unknown): string {
  if (value === '') return 'an empty string';
  return value === null ? 'null' : typeof value;
}
