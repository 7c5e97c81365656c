/** What prove reports: one entry per object, operation and context. */

/** How an object held up under one probe. */
export type ProveOutcome = 'isolated' | 'leak' | 'raises' | 'not-probed';

/** The context a probe ran in: a tenant's, none on a fresh connection, or `''` on a reused one. */
export type ProveContext = 'tenant' | 'none' | 'reused';

/** `select`, `insert`, `update`, `delete`, `move-tenant` (an UPDATE that moves an own row to another tenant), `execute` or `seed`. */
export type ProveOperation = 'select' | 'insert' | 'update' | 'delete' | 'move-tenant' | 'execute' | 'seed';

/** One cell of the matrix; `--format json` prints an array of these and nothing else. */
export interface ProveEntry {
  /** `table public.invoices`, `view public.invoice_totals`, `function public.all_invoices()`. */
  object: string;
  operation: ProveOperation;
  context: ProveContext;
  outcome: ProveOutcome;
  detail: string;
  /** The migration file responsible (the policy, or the table), or null when no statement is. */
  file: string | null;
  line: number | null;
}

/** The exit code for a set of entries: 1 on any leak or raise, else 0. */
export function proveExitCode(entries: readonly ProveEntry[]): 0 | 1 {
  return entries.some((e) => e.outcome === 'leak' || e.outcome === 'raises') ? 1 : 0;
}
