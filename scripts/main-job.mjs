// The main job: `tenant-scope check` over a folder, without any database.
//   node scripts/main-job.mjs [folder]      (npx -y pnpm@10 start [-- folder])
// `check` lints the folder's .sql files as one migration history with its tenant-scope config, and
// its code with @tenant-scope/eslint-plugin (type-checked for files its tsconfig.json includes,
// honouring its own eslint.config.* when it has one), then prints a summary per tool.
// Without a folder it checks the bundled example's "before" variant, whose mistakes are on purpose.
// Exit codes: those of `tenant-scope check` (0 no errors, 1 errors found, 2 it could not run);
// 0 for the bundled example when it finds what it should.
import { spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => a !== '--');
const bundled = args.length === 0;
const folder = args[0] ?? relative(process.cwd(), join(repo, 'docs', 'examples', 'invoices', 'before'));

console.log(`$ tenant-scope check ${folder}\n`);
const check = spawnSync(process.execPath, [join(repo, 'packages', 'sql-lint', 'dist', 'cli.js'), 'check', folder], { stdio: 'inherit' });
if (check.status === null || check.status === 2) process.exit(2);

if (bundled) {
  console.log(`\nThe bundled example's "before" variant (${folder}) has these mistakes on purpose: see docs/examples/invoices/README.md.`);
  console.log('Point the same command at your own folder: npx -y pnpm@10 start -- path/to/your/app');
  // The example must show its mistakes: finding none means the tools stopped working.
  if (check.status !== 1) process.exit(2);
} else process.exitCode = check.status;
