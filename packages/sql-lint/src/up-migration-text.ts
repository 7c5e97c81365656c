/**
 * Migration tools that keep "up" and "down" in one file mark them with comments. Only the "up"
 * part is history; the "down" part is blanked out (newlines kept) so positions do not move.
 */

// dbmate (`-- migrate:up`), node-pg-migrate (`-- Up Migration`), goose (`-- +goose Up`).
const MARKER = /^[ \t]*--[ \t]*(?:migrate:(up|down)|(up|down) migration|\+goose (up|down))\b.*$/gim;

/** The text with every "down" section replaced by blanks; text without markers is returned as is. */
export function upMigrationText(text: string): string {
  const markers = [...text.matchAll(MARKER)].map((m) => ({ at: m.index ?? 0, up: (m[1] ?? m[2] ?? m[3] ?? '').toLowerCase() === 'up' }));
  if (markers.length === 0) return text;
  let out = '';
  let at = 0;
  let keeping = true;
  for (const marker of markers) {
    const chunk = text.slice(at, marker.at);
    out += keeping ? chunk : chunk.replace(/[^\n]/g, ' ');
    at = marker.at;
    keeping = marker.up;
  }
  const rest = text.slice(at);
  return out + (keeping ? rest : rest.replace(/[^\n]/g, ' '));
}
