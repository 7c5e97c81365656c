/**
 * The most recent output of a server process, kept in memory and shown only when something fails.
 * Only the tail is kept so that a long-running server cannot grow it without bound.
 */
export class BoundedLog {
  private text = '';

  constructor(private readonly limit = 256 * 1024) {}

  append(chunk: string | Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > this.limit) this.text = this.text.slice(this.text.length - this.limit);
  }

  /** Number of characters appended so far (after trimming), to read what came after a point. */
  get length(): number {
    return this.text.length;
  }

  since(offset: number): string {
    return this.text.slice(offset);
  }

  toString(): string {
    return this.text;
  }
}
