// A TCP proxy that holds every chunk for a fixed delay in each direction, in order: what a
// database 0.3–2 ms away costs per round trip, on loopback. It runs in its own process (started
// with startDelayProxy) so that its timers do not count as the benchmark client's CPU.
//   node bench/delay-proxy.mjs <target host> <target port> <delay ms>   (prints the port it listens on)
// Node's timers fire after at least 1 ms, so a delay below that becomes about 1 ms; the benchmark
// measures and prints the round trip it actually adds.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** Starts the proxy in a child process in front of `target`; resolves to its port, its process id and a stop function. */
export async function startDelayProxy(target, delayMs) {
  const child = fork(fileURLToPath(import.meta.url), [target.host, String(target.port), String(delayMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = await once(child, 'message');
  return {
    port: message.port,
    pid: child.pid,
    stop: async () => {
      child.kill();
      await once(child, 'exit');
    },
  };
}

/** Writes what `from` reads to `to`, each chunk `delayMs` after it arrived, in arrival order. */
function pipeDelayed(from, to, delayMs) {
  const queue = [];
  let timer;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0].due <= now) to.write(queue.shift().chunk);
    if (queue.length > 0) timer = setTimeout(flush, queue[0].due - now);
  };
  from.on('data', (chunk) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  });
}

function serve(host, port, delayMs) {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    pipeDelayed(client, upstream, delayMs);
    pipeDelayed(upstream, client, delayMs);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', close);
      socket.on('error', close);
    }
  });
  server.listen(0, '127.0.0.1', () => {
    const { port: listening } = server.address();
    if (process.send) process.send({ port: listening });
    else console.log(listening);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host, port, delay] = process.argv.slice(2);
  serve(host, Number(port), Number(delay));
}
