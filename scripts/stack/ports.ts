/**
 * Free TCP ports on 127.0.0.1 for the native backends.
 *
 * A port is "free" when this process can bind it right now; the kernel picks it (listen on port 0), so two
 * callers rarely collide, and this process never hands out the same port twice, so the several ports one stack
 * needs are distinct even before any server has bound them. A collision with another process between the probe
 * and the server's own bind is still possible: the process harness reports it as a start failure with the log.
 */
import { createServer } from "node:net";

export const LOOPBACK = "127.0.0.1";

const handedOut = new Set<number>();

function listenOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** One port that nothing listens on now and that this process has not handed out before. */
export async function freePort(host: string = LOOPBACK): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0, host);
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found on ${host} after 50 attempts`);
}

/** `count` distinct free ports. */
export async function freePorts(count: number, host: string = LOOPBACK): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort(host));
  return ports;
}

/** True when `port` can be bound on `host` now (nothing listens there). */
export async function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  try {
    await listenOnce(port, host);
    return true;
  } catch {
    return false;
  }
}

/** Throws a clear error when a fixed port is already taken (before a server fails with a less clear one). */
export async function assertPortFree(port: number, what: string, host: string = LOOPBACK): Promise<void> {
  if (!(await isPortFree(port, host))) {
    throw new Error(`${what}: port ${host}:${port} is already in use (another process listens there)`);
  }
}
