/**
 * The client address a request came from, taken from the TCP socket (never from a header a client can
 * forge), and the key the rate limit counts it under.
 */
import type { Context } from "hono";

interface SocketLike {
  remoteAddress?: unknown;
}
interface NodeBindingsLike {
  incoming?: { socket?: SocketLike };
  server?: { incoming?: { socket?: SocketLike } };
}

/**
 * The socket's remote address under @hono/node-server (`c.env.incoming.socket`, or `c.env.server.incoming`
 * when the app runs inside another adapter's bindings); undefined on any other runtime.
 */
export function socketAddress(c: Context): string | undefined {
  try {
    const env = c.env as NodeBindingsLike | undefined;
    const socket = env?.incoming?.socket ?? env?.server?.incoming?.socket;
    const address = socket?.remoteAddress;
    return typeof address === "string" && address !== "" ? address : undefined;
  } catch {
    return undefined;
  }
}

function expandIpv6(address: string): number[] | undefined {
  let text = address;
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        const octets = g.split(".").map(Number);
        if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
          return undefined;
        const [a = 0, b = 0, c = 0, d = 0] = octets;
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parse(halves[0] ?? "");
  const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/**
 * The rate-limit key for an address: IPv4 as is (also when IPv4-mapped in IPv6), IPv6 by its /64 prefix (one
 * host usually owns a whole /64 and could otherwise rotate through it).
 */
export function rateLimitKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const groups = expandIpv6(address);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}
