// Stalled readers of our responses: a client that opens a download and stops reading leaves data
// queued on its socket. Node's own socket timeout does not see it as idle while a write is pending
// (it re-arms once, so such a client held a connection for twice the idle timeout, and SIGTERM's
// drain with it). Here a connection whose queued output has not moved for `idleMs` is destroyed:
// the same bound as for an upload that stops sending.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

interface Watch {
  /** bytesWritten and writableLength when the queue was last seen to move. */
  mark: string;
  since: number;
}

/**
 * Watches every connection of `server` and destroys one whose pending output is stuck for `idleMs`.
 * Each check costs a few property reads per open connection; `onCut` is told of each cut.
 * @example cutStalledWrites(app.server, 60_000, () => metrics.stalledCut.inc())
 */
export function cutStalledWrites(server: Server, idleMs: number, onCut: () => void = () => {}): void {
  const watched = new Map<Socket, Watch>();
  server.on('connection', (socket: Socket) => {
    watched.set(socket, { mark: '', since: performance.now() });
    socket.once('close', () => watched.delete(socket));
  });
  const interval = Math.max(50, Math.min(1000, idleMs / 10));
  // Monotonic: a step of the wall clock is not time a client kept us waiting.
  let lastCheck = performance.now();
  const check = (): void => {
    const now = performance.now();
    // A check that comes late (this process stood still: a long collection, a starved machine) cannot
    // tell a reader that stopped from output we never let move. The time we stood still is not the
    // client's: it moves every watch's start on, while the time before and after it still counts
    // (restarting the watches instead would let anyone who can stall us now and then keep stalled
    // readers open for ever).
    const stood = now - lastCheck > 3 * interval ? now - lastCheck - interval : 0;
    lastCheck = now;
    for (const [socket, watch] of watched) {
      // Nothing queued: the client has taken everything we sent (or we are sending nothing).
      if (socket.writableLength === 0) {
        watch.mark = '';
        continue;
      }
      // A new write or a shrinking queue both change this; only a queue that is stuck keeps it.
      const mark = `${socket.bytesWritten}:${socket.writableLength}`;
      if (mark !== watch.mark) {
        watch.mark = mark;
        watch.since = now;
        continue;
      }
      watch.since += stood;
      if (now - watch.since >= idleMs) {
        // A reader that never reads would otherwise pin a connection, memory and the drain for ever.
        socket.destroy();
        watched.delete(socket);
        onCut();
      }
    }
  };
  const timer = setInterval(check, interval);
  timer.unref();
  server.once('close', () => clearInterval(timer));
}
