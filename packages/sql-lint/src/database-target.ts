/**
 * The database the audit connects to, given as a `postgresql://` URL or a libpq keyword string
 * (`host=db user=audit password=…`), and how it is shown: every secret (URL userinfo password,
 * `password`/`sslpassword` query parameters or keywords) replaced by `***`.
 */
import { escapeControlCharacters } from './control-characters.js';

/** A parsed target: what to hand the client, how to name it, and the secrets to keep out of any output. */
export interface DatabaseTarget {
  /** A `postgresql://` URL for the client (keyword strings are turned into one). */
  connectionString: string;
  /** The target with every secret masked. */
  display: string;
  /** Secret values, to mask wherever they might be echoed (error messages). */
  secrets: string[];
}

const SECRET_KEYS = new Set(['password', 'sslpassword']);
const MASK = '***';

/** `key=value` pairs of a libpq keyword string; values may be single-quoted with `\` escapes. */
function keywordPairs(text: string): [string, string][] | null {
  const pairs: [string, string][] = [];
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/gy;
  let at = 0;
  while (at < text.length) {
    if (text.slice(at).trim() === '') break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) return null;
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    pairs.push([(match[1] as string).toLowerCase(), value]);
    at = pattern.lastIndex;
  }
  return pairs.length > 0 ? pairs : null;
}

function quoteKeyword(value: string): string {
  return /^[^\s'\\]+$/.test(value) ? value : `'${value.replace(/[\\']/g, '\\$&')}'`;
}

/** Parses a URL or keyword string; a string that is neither gives a one-line reason (without echoing it). */
export function parseDatabaseTarget(text: string): DatabaseTarget | { reason: string } {
  if (/^postgres(?:ql)?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { reason: 'the database URL is not a valid URL' };
    }
    if (url.port !== '' && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) return { reason: `the port "${url.port}" is not a number from 1 to 65535` };
    const secrets: string[] = [];
    const shown = new URL(url.toString());
    if (url.password) {
      secrets.push(url.password, decodeURIComponent(url.password));
      shown.password = MASK;
    }
    for (const [key, value] of url.searchParams) {
      if (!SECRET_KEYS.has(key.toLowerCase())) continue;
      secrets.push(value);
      shown.searchParams.set(key, MASK);
    }
    return { connectionString: text, display: escapeControlCharacters(decodeURIComponent(shown.toString())), secrets: secrets.filter((s) => s.length > 0) };
  }
  const pairs = keywordPairs(text);
  if (!pairs) return { reason: 'the database is neither a postgresql:// URL nor a libpq keyword string (host=… dbname=…)' };
  const values = new Map(pairs);
  const port = values.get('port');
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return { reason: `the port "${escapeControlCharacters(port)}" is not a number from 1 to 65535` };
  const url = new URL('postgresql://');
  const host = values.get('host') ?? values.get('hostaddr') ?? 'localhost';
  // A socket directory (host=/var/run/postgresql) goes in the query string, as pg expects it.
  if (host.startsWith('/')) url.searchParams.set('host', host);
  else url.hostname = host;
  if (port) url.port = port;
  if (values.has('user')) url.username = encodeURIComponent(values.get('user') as string);
  if (values.has('password')) url.password = encodeURIComponent(values.get('password') as string);
  url.pathname = `/${encodeURIComponent(values.get('dbname') ?? '')}`;
  for (const [key, value] of pairs) {
    if (!['host', 'hostaddr', 'port', 'user', 'password', 'dbname'].includes(key)) url.searchParams.set(key, value);
  }
  const secrets = pairs.filter(([key, value]) => SECRET_KEYS.has(key) && value.length > 0).map(([, value]) => value);
  const display = pairs.map(([key, value]) => `${key}=${SECRET_KEYS.has(key) ? MASK : quoteKeyword(value)}`).join(' ');
  return { connectionString: url.toString(), display: escapeControlCharacters(display), secrets };
}

/** The longest server or client message shown, in characters. */
const MAX_MESSAGE = 300;

/** An error message fit to print: secrets masked, control characters escaped, cut to one short line. */
export function safeMessage(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) text = text.split(secret).join(MASK);
  text = escapeControlCharacters(text);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
