/**
 * Object names, file names and server messages can hold newlines, escape sequences and bidi
 * overrides. Shown raw they forge lines in a terminal or a CI log, so every format shows them as
 * visible escapes (`\n`, `\x1b`, `\u202e`).
 */

// C0 and C1 controls, DEL, line/paragraph separators and the bidi embedding/override/isolate marks.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character written as a visible escape. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, escape);
}

/** A line of source for a code frame: tabs as spaces, other control characters as `�`, so columns stay. */
export function printableSourceLine(line: string): string {
  return line.replace(/\t/g, ' ').replace(CONTROL, '\ufffd');
}
