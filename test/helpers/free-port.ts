// A port for a server a test starts itself (a private redis-server or PostgreSQL, nginx), chosen
// below Linux's ephemeral range (32768-60999 by default). A port the kernel picked with listen(0) and
// released can be handed out again as the source port of any outgoing connection before the server
// binds it, or while a fault test has its server stopped and is about to restart it on the same port.
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port nothing listens on right now, outside the range the kernel hands out on its own. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH}`);
}
