/**
 * A worker thread of `analyzeMigrations`: loads the parser once, then answers each file's text with
 * its analysis as JSON (a string crosses threads as one copy; a tree of objects is cloned node by
 * node, which costs more than parsing the JSON on the other side).
 */
import { parentPort } from 'node:worker_threads';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { analyzeMigration } from './migration-analysis.js';

/** A file to analyze, numbered by the caller. */
export interface AnalysisRequest {
  id: number;
  text: string;
}

/** The analysis of one file as JSON, or the internal error that stopped it. */
export type AnalysisAnswer = { id: number; json: string } | { id: number; failure: string };

const port = parentPort;
if (!port) throw new Error('migration-analysis-worker runs as a worker thread');
await initAnalyzer();
port.on('message', ({ id, text }: AnalysisRequest) => {
  let answer: AnalysisAnswer;
  try {
    answer = { id, json: JSON.stringify(analyzeMigration(text)) };
  } catch (error) {
    answer = { id, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(answer);
});
