import { beforeAll, describe, expect, test } from 'vitest';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { transactionCommand } from '../src/transaction-commands.js';

// Which statements of an ORM's own transaction the scope turns into savepoints.

beforeAll(async () => {
  await initAnalyzer();
});

describe('transactionCommand', () => {
  test.each([
    ['BEGIN', 'begin'],
    ['begin;', 'begin'],
    ['START TRANSACTION ISOLATION LEVEL READ COMMITTED', 'begin'],
    ['start transaction read only', 'begin'],
    ['commit', 'commit'],
    ['END', 'commit'],
    ['COMMIT;', 'commit'],
    ['rollback', 'rollback'],
    ['ABORT', 'rollback'],
    ['commit and chain', undefined],
    ['rollback to savepoint a', undefined],
    ['savepoint a', undefined],
    ['prepare transaction $$x$$', undefined],
    ['begin; select 1', undefined],
    ['select 1', undefined],
    ['ending', undefined],
  ])('%s -> %s', (sql, expected) => {
    expect(transactionCommand(sql)).toBe(expected);
  });
});
