/**
 * A round-robin TCP load balancer on loopback, the stand-in for the load balancer a deployment puts in front of
 * Temporal's frontends and of the webhook processes: each new connection goes to the next backend; a backend that
 * refuses the connection is skipped, so a killed process is routed around until it is back.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  port: number;
  address: string;
  stop(): Promise<void>;
}

export async function startTcpBalancer(backends: number[], host = '127.0.0.1'): Promise<TcpBalancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    connectToBackend(backends, next++, host, (upstream) => {
      if (!upstream) return client.destroy();
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    address: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Tries the backends in turn from `start`, each once; calls back with the first connected socket, or none. */
function connectToBackend(
  backends: number[],
  start: number,
  host: string,
  done: (s: Socket | undefined) => void,
  tried = 0,
): void {
  if (tried >= backends.length) return done(undefined);
  const upstream = createConnection({ port: backends[(start + tried) % backends.length], host });
  upstream.once('connect', () => {
    upstream.removeAllListeners('error');
    done(upstream);
  });
  upstream.once('error', () => {
    upstream.destroy();
    connectToBackend(backends, start, host, done, tried + 1);
  });
}
