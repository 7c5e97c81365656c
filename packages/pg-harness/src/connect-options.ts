/** Who connects to which database; everything left out is the server handle's own superuser and database. */
export interface ConnectOptions {
  database?: string;
  user?: string;
  password?: string;
  /** Shows up as `application_name` in `pg_stat_activity`, to tell test clients apart. */
  applicationName?: string;
}
