/**
 * The smallest HTTP layer the example needs: routes with `:params`, JSON in and out, and the
 * tenant taken from the `x-tenant-id` header (a real service takes it from the authenticated user).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';

/** What a handler gets for one request. */
export interface Request {
  tenantId: string;
  params: Record<string, string>;
  body: Record<string, unknown>;
}

/** One route: method, path with `:name` parameters, and a handler returning JSON. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: (request: Request) => Promise<unknown>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(got[i] as string);
    else if (part !== got[i]) return null;
  }
  return params;
}

/** An HTTP server for `routes`: 200 with the handler's JSON, 400 without a tenant, 404, or 500 with the error message. */
export function createJsonServer(routes: readonly Route[]): Server {
  return createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const tenantId = req.headers['x-tenant-id'];
    for (const route of routes) {
      const params = route.method === req.method ? match(route.path, path) : null;
      if (!params) continue;
      if (typeof tenantId !== 'string' || tenantId === '') return send(400, { error: 'x-tenant-id header is required' });
      readBody(req)
        .then((body) => route.handler({ tenantId, params, body }))
        .then(
          (result) => send(200, result),
          (error: unknown) => send(500, { error: error instanceof Error ? error.message : String(error), code: (error as { code?: string }).code }),
        );
      return;
    }
    send(404, { error: `no route for ${req.method} ${path}` });
  });
}
