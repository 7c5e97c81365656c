/** GitHub Actions workflow commands, which show findings as annotations on the pull request. */
import { escapeControlCharacters } from './control-characters.js';
import type { Finding } from './lint-sql.js';

// Messages are already free of control characters (see control-characters.ts); file names may not be.
const escapeData = (s: string): string => escapeControlCharacters(s.replace(/%/g, '%25'));
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One `::error`/`::warning`/`::notice` line per finding. */
export function formatGithub(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const command = f.severity === 'error' ? 'error' : f.severity === 'info' ? 'notice' : 'warning';
      const props = `file=${escapeProperty(f.file)},line=${f.line},col=${f.column},endLine=${f.endLine},endColumn=${f.endColumn},title=${escapeProperty(f.ruleId)}`;
      return `::${command} ${props}::${escapeData(`${f.message} (${f.ruleId})`)}\n`;
    })
    .join('');
}
