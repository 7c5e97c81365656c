import pg from 'pg';

/**
 * The node-postgres clients a server handle has handed out and that are still open, so that
 * stopping the server can end them first instead of having them fail with "terminated unexpectedly".
 */
export class OpenClients {
  private readonly clients = new Set<pg.Client>();

  async connect(config: pg.ClientConfig): Promise<pg.Client> {
    const client = new pg.Client(config);
    // An idle client emits 'error' when its server goes away (e.g. a test kills PgBouncer); without a
    // listener that would crash the test worker. The next query on the client still rejects.
    client.on('error', () => undefined);
    client.once('end', () => this.clients.delete(client));
    this.clients.add(client);
    try {
      await client.connect();
    } catch (error) {
      this.clients.delete(client);
      throw error;
    }
    return client;
  }

  async endAll(): Promise<void> {
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.allSettled(clients.map((client) => client.end()));
  }
}
