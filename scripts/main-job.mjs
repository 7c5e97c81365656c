// The main job: tenant-scope's checks over a folder, without any database.
//   node scripts/main-job.mjs [folder]      (npx -y pnpm@10 start [-- folder])
// 1. `tenant-scope lint` over the folder's .sql files (the migration history, in path order);
// 2. ESLint with @tenant-scope/eslint-plugin over its .ts/.js files: with type information
//    (configs['recommended-type-checked']) when the folder or a parent has a tsconfig.json,
//    else configs.recommended.
// Without a folder it checks the bundled example's "before" variant, whose mistakes are on purpose.
// Exit codes: 0 no errors (or the bundled example), 1 errors found, 2 a tool could not run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => a !== '--');
const bundled = args.length === 0;
const folder = resolve(args[0] ?? join(repo, 'docs', 'examples', 'invoices', 'before'));
if (!existsSync(folder) || !statSync(folder).isDirectory()) {
  console.error(`tenant-scope: ${folder} is not a folder`);
  process.exit(2);
}

const { ESLint } = await import('eslint');
const { default: tseslint } = await import('typescript-eslint');
const { default: tenantScope } = await import(join(repo, 'packages', 'eslint-plugin', 'dist', 'index.js'));

const skip = new Set(['node_modules', 'dist', 'build', 'coverage', '.git']);
function hasFiles(dir, pattern) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() ? !skip.has(entry.name) && hasFiles(join(dir, entry.name), pattern) : pattern.test(entry.name)) return true;
  }
  return false;
}
function findUp(dir, name) {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, name))) return join(d, name);
    if (dirname(d) === d) return null;
  }
}

let errors = 0;
const shown = relative(process.cwd(), folder) || '.';

console.log(`\n== SQL: tenant-scope lint ${shown}\n`);
if (hasFiles(folder, /\.sql$/i)) {
  const sql = spawnSync(process.execPath, [join(repo, 'packages', 'sql-lint', 'dist', 'cli.js'), 'lint', folder], { stdio: 'inherit' });
  if (sql.status === 2 || sql.status === null) process.exit(2);
  if (sql.status === 1) errors++;
} else console.log('no .sql files');

const tsconfig = findUp(folder, 'tsconfig.json');
console.log(`\n== Code: ESLint with @tenant-scope/eslint-plugin (${tsconfig ? `type-checked, ${relative(process.cwd(), tsconfig)}` : 'without type information'})\n`);
if (hasFiles(folder, /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/)) {
  const eslint = new ESLint({
    cwd: folder,
    overrideConfigFile: true,
    overrideConfig: [
      { ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/coverage/**'] },
      {
        files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
        languageOptions: { parser: tseslint.parser, ...(tsconfig ? { parserOptions: { projectService: true, tsconfigRootDir: dirname(tsconfig) } } : {}) },
      },
      tsconfig ? tenantScope.configs['recommended-type-checked'] : tenantScope.configs.recommended,
    ],
  });
  const results = await eslint.lintFiles(['.']);
  const output = await (await eslint.loadFormatter('stylish')).format(results);
  console.log(output || 'no problems');
  if (results.some((r) => r.errorCount > 0)) errors++;
} else console.log('no source files');

if (bundled) {
  console.log(`The bundled example's "before" variant (${shown}) has these mistakes on purpose: see docs/examples/invoices/README.md.`);
  console.log('Point the same command at your own folder: npx -y pnpm@10 start -- path/to/your/app');
} else if (errors > 0) process.exitCode = 1;
