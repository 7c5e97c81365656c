/**
 * PostgreSQL reports locations as byte offsets into the UTF-8 text; JavaScript strings are
 * indexed in UTF-16 code units. This maps one to the other, and offsets to 1-based lines and columns.
 */

/** A half-open range `[start, end)` of UTF-16 offsets into the analyzed text. */
export interface SourceRange {
  start: number;
  end: number;
}

/** A 1-based line and column (columns count UTF-16 code units, as editors and ESLint do). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Converts PostgreSQL byte offsets of one text into UTF-16 offsets. */
export interface ByteOffsetMap {
  toOffset(byteOffset: number): number;
}

const identityMap: ByteOffsetMap = { toOffset: (byteOffset) => byteOffset };

// Any code unit above 0x7f makes byte and UTF-16 offsets diverge.
const nonAscii = /[\u0080-\uffff]/;

/** Builds the byte-to-UTF-16 map for `text`; free for pure ASCII text. */
export function createByteOffsetMap(text: string): ByteOffsetMap {
  if (!nonAscii.test(text)) return identityMap;
  // byteStarts[i] is the UTF-8 byte offset at which UTF-16 offset i starts (plus the end).
  const byteStarts = new Float64Array(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    byteStarts[i] = bytes;
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point; its low half shares the start.
      byteStarts[i + 1] = bytes;
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  byteStarts[text.length] = bytes;
  return {
    toOffset(byteOffset: number): number {
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((byteStarts[mid] as number) <= byteOffset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

/** UTF-16 offset of the `codePoints`-th code point of `text` (PostgreSQL's error cursors count code points). */
export function codePointOffset(text: string, codePoints: number): number {
  let offset = 0;
  for (let n = 0; n < codePoints && offset < text.length; n++) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
  }
  return offset;
}

/** Finds the 1-based line and column of UTF-16 offset `offset` in `text`. */
export function positionAt(text: string, offset: number): SourcePosition {
  return new LineIndex(text).positionAt(offset);
}

/** Precomputed line starts for converting many offsets of one text. Lines end at LF, CRLF or a lone CR, as editors count them. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (const match of text.matchAll(/\r\n?|\n/g)) this.lineStarts.push(match.index + match[0].length);
  }

  /** 1-based line and column of a UTF-16 offset. */
  positionAt(offset: number): SourcePosition {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.lineStarts[mid] as number) <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - (this.lineStarts[lo] as number) + 1 };
  }

  /** UTF-16 offset of a 1-based line's first character. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))] as number;
  }
}
