/** How PgBouncer hands server connections to clients; see PgBouncer's `pool_mode`. */
export type PoolMode = 'session' | 'transaction' | 'statement';

/** Extra `[pgbouncer]` settings, written as `name = value` (booleans as 1/0). */
export type PgBouncerSettings = Record<string, string | number | boolean>;

/** Everything the generated pgbouncer.ini says. */
export interface PgBouncerIni {
  listenPort: number;
  socketDir: string;
  authFile: string;
  server: { host: string; port: number };
  poolMode: PoolMode;
  poolSize: number;
  maxClientConnections: number;
  adminUser: string;
  /** `undefined` keeps PgBouncer's default (`DISCARD ALL`); `''` turns the reset off. */
  serverResetQuery: string | undefined;
  serverResetQueryAlways: boolean;
  settings: PgBouncerSettings;
}

/** Renders the pgbouncer.ini text for one harness PgBouncer. */
export function pgbouncerIni(ini: PgBouncerIni): string {
  const settings: PgBouncerSettings = {
    listen_addr: '127.0.0.1',
    listen_port: ini.listenPort,
    unix_socket_dir: ini.socketDir,
    // auth_file holds plain-text passwords, which lets PgBouncer both verify clients with SCRAM
    // and log in to PostgreSQL (which also asks for scram-sha-256) as that same user. So every
    // role a test connects as through PgBouncer keeps its own identity, which RLS tests need;
    // a password in [databases] would log everyone in as one user.
    auth_type: 'scram-sha-256',
    auth_file: ini.authFile,
    admin_users: ini.adminUser,
    pool_mode: ini.poolMode,
    default_pool_size: ini.poolSize,
    max_client_conn: ini.maxClientConnections,
    ...(ini.serverResetQuery === undefined ? {} : { server_reset_query: ini.serverResetQuery }),
    server_reset_query_always: ini.serverResetQueryAlways,
    // JDBC and some other drivers send it at startup; PgBouncer refuses unknown startup parameters.
    ignore_startup_parameters: 'extra_float_digits',
    ...ini.settings,
  };
  const lines = [
    '[databases]',
    // Any database name a client asks for goes to the same server, under the same name.
    `* = host=${word(ini.server.host)} port=${ini.server.port}`,
    '',
    '[pgbouncer]',
    ...Object.entries(settings).map(([name, value]) => `${word(name)} = ${iniValue(value)}`),
    '',
  ];
  return lines.join('\n');
}

function iniValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  const text = String(value);
  if (/[\r\n]/.test(text)) throw new Error(`a pgbouncer.ini value cannot span lines: ${JSON.stringify(text)}`);
  return text;
}

function word(text: string): string {
  if (!/^[^\s=;#]+$/.test(text)) throw new Error(`not usable in pgbouncer.ini: ${JSON.stringify(text)}`);
  return text;
}
