// A port for a server a test starts itself (a private redis-server or PostgreSQL, nginx), chosen
// below Linux's ephemeral range (32768-60999 by default, read from /proc). A port the kernel picked with listen(0) and
// released can be handed out again as the source port of any outgoing connection before the server
// binds it, or while a fault test has its server stopped and is about to restart it on the same port.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOW = 10_000;

/** Where the kernel's own picks start (/proc says; Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 0 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The kernel's pick for port 0, released at once: what is left when its range covers every port. */
function kernelPick(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A port nothing listens on right now, outside the range the kernel hands out on its own where it can. */
export async function freePort(): Promise<number> {
  const high = ephemeralStart();
  // A system whose ephemeral range starts low (some containers: 1024-65535) leaves no such room.
  if (high - LOW < 1000) return kernelPick();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${high}`);
}
