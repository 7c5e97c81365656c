/**
 * A bounded LRU of analyses keyed by SQL text. The guard analyzes the same few hundred statements
 * millions of times; a `Map` keyed by the very string the caller passes hits V8's cached string
 * hash, so a hit costs a lookup and a re-insert.
 */
import type { SqlAnalysis } from './session-facts.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export class AnalysisCache {
  private readonly entries = new Map<string, SqlAnalysis>();

  constructor(
    private maxEntries: number,
    /** Texts longer than this are analyzed every time instead of pinning megabytes in memory. */
    private readonly maxTextLength = 64 * 1024,
  ) {}

  get(text: string): SqlAnalysis | undefined {
    const hit = this.entries.get(text);
    if (hit !== undefined) {
      this.entries.delete(text);
      this.entries.set(text, hit);
    }
    return hit;
  }

  set(text: string, analysis: SqlAnalysis): SqlAnalysis {
    deepFreeze(analysis);
    if (text.length > this.maxTextLength || this.maxEntries === 0) return analysis;
    this.entries.set(text, analysis);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return analysis;
  }

  get size(): number {
    return this.entries.size;
  }

  resize(maxEntries: number): void {
    this.maxEntries = Math.max(0, Math.floor(maxEntries));
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}
