// Every code example in docs/rules/<rule>.md is linted with the real ESLint class, with only that
// rule on, and must be reported exactly where the page says. Conventions of the examples:
// - a line the rule reports ends with a comment that starts with `❌` (one `❌` per finding on it);
//   ✅ Correct blocks have no such line and must produce no finding at all;
// - `pool`, `db` and `prisma` are pools without being declared (as if imported from `./db`),
//   which is the `pools` setting below; everything else an example uses is declared in it or
//   does not matter to the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tsParser from '@typescript-eslint/parser';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = join(packageDir, 'docs', 'rules');

/** The shared settings every documentation example is linted with. */
const exampleSettings = { 'tenant-scope': { pools: ['pool', 'db', 'prisma'] } };

interface Example {
  verdict: 'incorrect' | 'correct';
  /** 1-based line of the block's first code line in the doc, to find a failing example. */
  docLine: number;
  code: string;
  /** Lines of `code` expected to be reported, once per finding. */
  expectedLines: number[];
}

/** The ```ts blocks under "❌ Incorrect" and "✅ Correct" of one doc, up to the next heading. */
function examplesOf(doc: string): Example[] {
  const lines = doc.split('\n');
  const examples: Example[] = [];
  let verdict: Example['verdict'] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('#')) verdict = null;
    else if (line.trim() === '❌ Incorrect') verdict = 'incorrect';
    else if (line.trim() === '✅ Correct') verdict = 'correct';
    else if (line.trim() === '```ts' && verdict !== null) {
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end]?.trim() !== '```') end++;
      const codeLines = lines.slice(start, end);
      const expectedLines = codeLines.flatMap((codeLine, index) => {
        const marker = /\/\/\s*(❌+)/u.exec(codeLine);
        return marker ? Array.from({ length: [...(marker[1] ?? '')].length }, () => index + 1) : [];
      });
      examples.push({ verdict, docLine: start + 1, code: codeLines.join('\n'), expectedLines });
      i = end;
    }
  }
  return examples;
}

function eslintFor(ruleId: string): ESLint {
  return new ESLint({
    cwd: packageDir,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tsParser },
        plugins: { '@tenant-scope': plugin as never },
        rules: { [`@tenant-scope/${ruleId}`]: 'error' },
        settings: exampleSettings,
      },
    ],
  });
}

const docs = readdirSync(docsDir)
  .filter((file) => file.endsWith('.md'))
  .map((file) => ({ ruleId: file.slice(0, -'.md'.length), examples: examplesOf(readFileSync(join(docsDir, file), 'utf8')) }));

describe('documentation examples', () => {
  it('has a doc for every rule and a rule for every doc', () => {
    expect(docs.map((doc) => doc.ruleId).sort()).toEqual(Object.keys(plugin.rules).sort());
  });

  describe.each(docs)('$ruleId', ({ ruleId, examples }) => {
    it('shows incorrect and correct code, and marks what is reported', () => {
      const incorrect = examples.filter((example) => example.verdict === 'incorrect');
      const correct = examples.filter((example) => example.verdict === 'correct');
      expect(incorrect.length).toBeGreaterThan(0);
      expect(correct.length).toBeGreaterThan(0);
      for (const example of incorrect) expect(example.expectedLines.length, `block at line ${example.docLine}`).toBeGreaterThan(0);
      for (const example of correct) expect(example.expectedLines, `block at line ${example.docLine}`).toEqual([]);
    });

    it.each(examples.map((example) => ({ ...example, name: `${example.verdict} example at line ${example.docLine}` })))(
      '$name is reported exactly on its ❌ lines',
      async (example) => {
        const [result] = await eslintFor(ruleId).lintText(example.code, { filePath: join(packageDir, 'docs-example.ts') });
        const messages = result?.messages ?? [];
        // A parse error would make the example pass vacuously.
        expect(messages.filter((message) => message.fatal || message.ruleId !== `@tenant-scope/${ruleId}`)).toEqual([]);
        expect(messages.map((message) => message.line)).toEqual(example.expectedLines);
      },
    );
  });
});
