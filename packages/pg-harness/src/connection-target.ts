/** Where and as whom a client connects: the parts of a PostgreSQL connection string. */
export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Query string kept from an external connection string (e.g. `?sslmode=require`), or `''`. */
  search: string;
}

/** Renders a target as a `postgresql://` connection string that node-postgres and libpq accept. */
export function connectionUrl(target: ConnectionTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : encodeURIComponent(target.host);
  const credentials = `${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}`;
  return `postgresql://${credentials}@${host}:${target.port}/${encodeURIComponent(target.database)}${target.search}`;
}

/** Reads a `postgres://` or `postgresql://` connection string; absent parts get libpq's defaults. */
export function parseConnectionUrl(url: string): ConnectionTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a connection string: ${JSON.stringify(url)}; expected postgresql://user:password@host:port/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL connection string (scheme "${parsed.protocol}"); expected postgresql://user:password@host:port/database`);
  }
  const user = decodeURIComponent(parsed.username) || process.env['PGUSER'] || 'postgres';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host: host === '' ? 'localhost' : decodeURIComponent(host),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user,
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user,
    search: parsed.search,
  };
}
