/**
 * Which statement of the history is responsible for what a probe found, from the same schema model
 * the linter judges: the policy that lets the rows through (or raises), else the statement that
 * left row-level security off or unforced, else the table, view or function itself.
 */
import { contextReadHazards, LineIndex } from '@tenant-scope/sql-analyzer';
import { isPreludeFile } from '../platform-preset.js';
import { alwaysTrueReason } from '../policy-predicates.js';
import type { PolicyModel, SchemaModel, StatementSource, TableModel } from '../model/schema-model.js';
import type { ProveOperation } from './prove-result.js';

/** A position for the report, or nulls when the object is not the history's. */
export interface Responsible {
  file: string | null;
  line: number | null;
  /** What the statement is, for the detail (`policy tenant_isolation`, `ENABLE ROW LEVEL SECURITY without FORCE`). */
  what: string | null;
}

/** Turns model sources into report positions. */
export class StatementLocator {
  private readonly lines = new Map<string, LineIndex>();

  constructor(
    private readonly model: SchemaModel,
    private readonly texts: ReadonlyMap<string, string>,
    private readonly display: (file: string) => string,
  ) {}

  at(source: StatementSource | null | undefined, what: string | null): Responsible {
    if (!source || isPreludeFile(source.file)) return { file: null, line: null, what };
    const text = this.texts.get(source.file);
    if (text === undefined) return { file: this.display(source.file), line: null, what };
    let index = this.lines.get(source.file);
    if (!index) this.lines.set(source.file, (index = new LineIndex(text)));
    return { file: this.display(source.file), line: index.positionAt(source.range.start).line, what };
  }

  /** For a table whose probe leaked or raised. */
  table(key: string, operation: ProveOperation, kind: 'leak' | 'raises', appRoleOwns: boolean): Responsible {
    const table = this.model.tables.get(key);
    if (!table) return { file: null, line: null, what: null };
    if (!table.rowSecurity.enabled) return this.at(table.rowSecurity.disabledBy ?? table.source, 'row-level security is not enabled');
    if (appRoleOwns && !table.rowSecurity.forced) return this.at(table.rowSecurity.unforcedBy ?? table.rowSecurity.enabledBy ?? table.source, 'the app role owns the table and row-level security is not forced');
    const policy = kind === 'raises' ? raisingPolicy(table) : leakingPolicy(table, operation);
    if (policy) return this.at(kind === 'raises' ? raisingRead(policy) ?? policy.source : policy.source, `policy ${policy.name}`);
    return this.at(table.source, null);
  }

  view(key: string): Responsible {
    const view = this.model.views.get(key);
    // A security_invoker view shows what the policies of the tables it reads let through: those are responsible, not the view.
    if (view?.securityInvoker) return { file: null, line: null, what: 'security_invoker: the rows come through the policies of the tables it reads' };
    return this.at(view?.source, view ? "the view runs with its owner's rights (no security_invoker)" : null);
  }

  function(schema: string, name: string): Responsible {
    const fn = [...this.model.functions.values()].find((f) => f.schema === schema && f.name === name);
    return this.at(fn?.source, fn ? 'SECURITY DEFINER function' : null);
  }
}

const COVERS: Record<ProveOperation, PolicyModel['command'][]> = {
  select: ['all', 'select'],
  insert: ['all', 'insert'],
  update: ['all', 'update'],
  delete: ['all', 'delete'],
  'move-tenant': ['all', 'update'],
  execute: ['all', 'select'],
  seed: [],
};

/** The permissive policy most likely to let another tenant's rows through for an operation. */
function leakingPolicy(table: TableModel, operation: ProveOperation): PolicyModel | undefined {
  const candidates = [...table.policies.values()].filter((p) => p.permissive && COVERS[operation].includes(p.command));
  const checks = operation === 'insert' || operation === 'move-tenant';
  const expression = (p: PolicyModel) => (checks ? (p.withCheck ?? (p.command === 'insert' ? null : p.using)) : p.using);
  return (
    candidates.find((p) => {
      const e = expression(p);
      return e !== null && alwaysTrueReason(e.node) !== undefined;
    }) ??
    (checks ? candidates.find((p) => p.withCheck === null && p.command !== 'insert') : undefined) ??
    candidates.find((p) => (expression(p)?.reads.length ?? 0) === 0) ??
    candidates[0]
  );
}

/** A policy with a context read that raises on a fresh or reused connection. */
function raisingPolicy(table: TableModel): PolicyModel | undefined {
  return [...table.policies.values()].find((p) => raisingRead(p) !== undefined) ?? [...table.policies.values()][0];
}

function raisingRead(policy: PolicyModel): StatementSource | undefined {
  for (const expression of [policy.using, policy.withCheck]) {
    const read = expression?.reads.find((r) => contextReadHazards(r).length > 0);
    if (read && expression) return { file: expression.source.file, range: read.range };
  }
  return undefined;
}
