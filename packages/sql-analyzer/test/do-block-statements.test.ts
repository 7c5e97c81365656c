import { beforeAll, describe, expect, it } from 'vitest';
import { doBlockStatements, initAnalyzer, parseSql } from '@tenant-scope/sql-analyzer';

beforeAll(async () => {
  await initAnalyzer();
});

/** What a DO block runs (each statement's text, and the text its range maps to) and what it leaves open. */
function read(text: string) {
  const parsed = parseSql(text);
  expect(parsed.error).toBeNull();
  const statement = parsed.statements.find((s) => s.type === 'DoStmt');
  if (!statement) throw new Error('no DO statement');
  const block = doBlockStatements(parsed, statement);
  const runs = block.runs.flatMap((run) =>
    run.statements.map((s) => {
      const at = run.snippet.outerRange(s.range.start, s.range.end);
      return { type: s.type, sql: run.sql.slice(s.range.start, s.range.end), at: text.slice(at.start, at.end) };
    }),
  );
  const unresolved = block.unresolved.map((u) => ({ kind: u.kind, at: text.slice(u.range.start, u.range.end), statementTypes: u.statementTypes }));
  return { runs, unresolved };
}

describe('doBlockStatements', () => {
  it('follows static statements, nested blocks and catalog guards, not exception handlers or the ELSE of a guard', () => {
    const { runs, unresolved } = read(`do $$
begin
  if not exists (select 1 from pg_policies where policyname = 'p') then
    create policy p on orders using (true);
  else
    drop table orders;
  end if;
  begin
    create role app;
  exception when duplicate_object then
    drop role app;
  end;
end $$;`);
    expect(runs).toEqual([
      { type: 'CreatePolicyStmt', sql: 'create policy p on orders using (true)', at: 'create policy p on orders using (true)' },
      { type: 'CreateRoleStmt', sql: 'create role app', at: 'create role app' },
    ]);
    expect(unresolved).toEqual([]);
  });

  it('reads EXECUTE of a literal in place, and of built text at the expression', () => {
    const { runs } = read(`do $$
declare
  t text;
begin
  execute 'alter table a enable row level security';
  foreach t in array array['b', 'C d'] loop
    execute format('alter table %I force row level security', t);
  end loop;
  foreach t in array '{e,"f g"}'::text[] loop
    execute 'comment on table ' || quote_ident(t) || ' is ' || quote_literal(t || '''s');
  end loop;
end $$;`);
    expect(runs).toEqual([
      { type: 'AlterTableStmt', sql: 'alter table a enable row level security', at: 'alter table a enable row level security' },
      { type: 'AlterTableStmt', sql: 'alter table "b" force row level security', at: "format('alter table %I force row level security', t)" },
      { type: 'AlterTableStmt', sql: 'alter table "C d" force row level security', at: "format('alter table %I force row level security', t)" },
      { type: 'CommentStmt', sql: `comment on table "e" is 'e''s'`, at: "'comment on table ' || quote_ident(t) || ' is ' || quote_literal(t || '''s')" },
      { type: 'CommentStmt', sql: `comment on table "f g" is 'f g''s'`, at: "'comment on table ' || quote_ident(t) || ' is ' || quote_literal(t || '''s')" },
    ]);
  });

  it('knows declared and assigned constants, unnest loops and positional format arguments, and forgets a variable filled by a query', () => {
    const { runs, unresolved } = read(`do $$
declare
  target text := 'a';
  r record;
begin
  execute format('create table %1$I (%2$I int, b_%2$s int)', target, 'x');
  for r in select * from unnest(array['b']) loop
    execute format('drop table %s', r.unnest);
  end loop;
  select relname into target from pg_class limit 1;
  execute format('drop table %I', target);
end $$;`);
    expect(runs.map((r) => r.sql)).toEqual(['create table "a" ("x" int, b_x int)', 'drop table b', 'select relname             from pg_class limit 1']);
    expect(unresolved).toEqual([{ kind: 'dynamic-sql', at: "format('drop table %I', target)", statementTypes: ['DropStmt'] }]);
  });

  it('loops over an array variable declared or assigned with a literal array', () => {
    const { runs, unresolved } = read(`do $$
declare
  tables text[] := array['a', 'b'];
  t text;
begin
  foreach t in array tables loop
    execute format('alter table %I enable row level security', t);
  end loop;
  tables := '{c}';
  for t in select unnest(tables) loop
    execute format('alter table %I force row level security', t);
  end loop;
  select array_agg(relname) into tables from pg_class;
  foreach t in array tables loop
    execute format('alter table %I force row level security', t);
  end loop;
end $$;`);
    expect(runs.map((r) => r.sql)).toEqual([
      'alter table "a" enable row level security',
      'alter table "b" enable row level security',
      'alter table "c" force row level security',
      'select array_agg(relname)             from pg_class',
    ]);
    expect(unresolved).toEqual([{ kind: 'loop', at: 'tables', statementTypes: ['AlterTableStmt'] }]);
  });

  it('lists what the text does not decide, with the statements it may run, and leaves out what runs no SQL', () => {
    const { runs, unresolved } = read(`do $$
declare
  t text;
begin
  if current_setting('server_version_num')::int < 150000 then
    create table old_style ();
  end if;
  if current_setting('server_version_num')::int < 150000 then
    raise notice 'old server';
  end if;
  for t in select tablename from pg_tables loop
    execute 'grant select on ' || quote_ident(t) || ' to reporting';
  end loop;
  while false loop
    execute current_setting('app.ddl');
  end loop;
end $$;`);
    expect(runs).toEqual([]);
    expect(unresolved).toEqual([
      { kind: 'condition', at: "current_setting('server_version_num')::int < 150000", statementTypes: ['CreateStmt'] },
      { kind: 'loop', at: 'select tablename from pg_tables', statementTypes: ['GrantStmt'] },
      { kind: 'loop', at: 'false', statementTypes: null },
    ]);
  });
});
