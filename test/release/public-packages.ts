/**
 * The packages this repository publishes (every packages/* without `"private": true`), packed the
 * way a release packs them: pnpm's pack, which runs `prepack` and replaces `workspace:` ranges.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repositoryRoot = join(import.meta.dirname, '..', '..');

/** A public package: its name, folder and manifest. */
export interface PublicPackage {
  name: string;
  dir: string;
  manifest: Record<string, unknown>;
}

export function publicPackages(): PublicPackage[] {
  const packagesDir = join(repositoryRoot, 'packages');
  return readdirSync(packagesDir)
    .map((folder) => {
      const dir = join(packagesDir, folder);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      return { name: manifest['name'] as string, dir, manifest };
    })
    .filter((pkg) => pkg.manifest['private'] !== true);
}

/** pnpm as the test command was started with it, else pnpm 10 through npx (as the README runs it). */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env['npm_execpath'];
  if (execPath && /pnpm/.test(execPath)) return [process.execPath, [execPath]];
  return ['npx', ['-y', 'pnpm@10']];
}

/** Packs every public package into `destination`; returns each package's tarball path by name. */
export function packPublicPackages(destination: string): Map<string, string> {
  const [command, prefix] = pnpmCommand();
  const tarballs = new Map<string, string>();
  for (const pkg of publicPackages()) {
    const result = spawnSync(command, [...prefix, 'pack', '--pack-destination', destination], { cwd: pkg.dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`pnpm pack of ${pkg.name} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    const version = pkg.manifest['version'] as string;
    tarballs.set(pkg.name, join(destination, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`));
  }
  return tarballs;
}

/** The fenced code blocks under a markdown heading (up to the next heading of the same or a higher level). */
export function codeBlocksUnder(markdown: string, heading: string): { lang: string; text: string }[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = heading.indexOf(' ');
  const blocks: { lang: string; text: string }[] = [];
  let open: { lang: string; lines: string[] } | null = null;
  for (const line of lines.slice(start + 1)) {
    if (open) {
      if (line.startsWith('```')) {
        blocks.push({ lang: open.lang, text: `${open.lines.join('\n')}\n` });
        open = null;
      } else open.lines.push(line);
      continue;
    }
    const headingMatch = /^(#+) /.exec(line);
    if (headingMatch && headingMatch[1]!.length <= level) break;
    if (line.startsWith('```')) open = { lang: line.slice(3).trim(), lines: [] };
  }
  return blocks;
}

/** The block whose first line names a file (`// eslint.config.mjs`). */
export function fileBlock(blocks: readonly { lang: string; text: string }[], file: string): string {
  const block = blocks.find((b) => b.text.startsWith(`// ${file}\n`));
  if (!block) throw new Error(`no code block for ${file}`);
  return block.text;
}
