/** DO: the statements the block runs are replayed in order; what the text does not decide is noted once. */
import { doBlockStatements } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import type { ReplayContext } from '../replay-context.js';

// DO blocks that EXECUTE DO blocks: deeper than this is not followed.
const MAX_DEPTH = 4;

const UNNOTED = new Set(['GrantStmt', 'AlterDefaultPrivilegesStmt']);

/** DO [LANGUAGE plpgsql] '…'. */
export function applyDoBlock(ctx: ReplayContext, _node: NodeOfType<'DoStmt'>): void {
  if (ctx.depth >= MAX_DEPTH) return;
  const block = doBlockStatements(ctx.parsed, ctx.statement);
  for (const run of block.runs) ctx.replay(run);
  // Only what may run a statement the model follows (or SQL that cannot be read at all) matters.
  // GRANTs are left out: nearly all are on tables, which no rule judges; a missed function grant
  // leaves the function as callable as before, the reading that reports more.
  const missed = block.unresolved.filter((u) => u.statementTypes === null || u.statementTypes.some((t) => !UNNOTED.has(t) && ctx.follows(t)));
  const first = missed[0];
  if (first) {
    const kinds = [...new Set(missed.map((u) => u.kind))];
    ctx.model.unfollowed.push({ kinds, count: missed.length, source: { file: ctx.file, range: first.range } });
  }
}
