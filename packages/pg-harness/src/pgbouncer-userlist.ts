/** A login PgBouncer accepts and passes on to PostgreSQL. */
export interface PgBouncerUser {
  user: string;
  password: string;
}

/** Renders PgBouncer's auth_file: one `"user" "password"` line per login, `"` doubled inside. */
export function pgbouncerUserlist(users: readonly PgBouncerUser[]): string {
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  return users.map(({ user, password }) => `${quote(user)} ${quote(password)}\n`).join('');
}
