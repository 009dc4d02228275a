// The SIGTERM drain: while in-flight requests finish, the listener stays open and every new request
// is answered 503 SHUTTING_DOWN (so clients and load balancers get a clear answer instead of a
// refused connection); at the bound, whatever is still open is cut.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';
import { sendError } from './error-reply.js';
import { ANSWERED } from './request-pass.js';
import type { RequestStep } from './request-pass.js';

/** What a client told to come back later should wait: a restart or another instance takes seconds. */
export const DRAIN_RETRY_AFTER_S = 5;

declare module 'fastify' {
  interface FastifyInstance {
    /** The shutdown state of this app's server (see src/main.ts). */
    drain: Drain;
  }
}

/** What the bound cut: requests still in progress and the connections they (or idle clients) held. */
export interface CutReport {
  requests: number;
  connections: number;
}

export class Drain {
  private draining = false;
  private active = 0;
  private readonly sockets = new Set<Socket>();
  private idleWaiters: (() => void)[] = [];

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // Counted at the HTTP layer, not in Fastify hooks: a response that ends by its socket closing
    // (client gone, cut) must leave the count as surely as one that finished normally.
    server.on('request', (_request, response) => {
      this.active += 1;
      response.once('close', () => {
        this.active -= 1;
        if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** From now on new requests get 503; the ones already running go on. */
  start(): void {
    this.draining = true;
  }

  /** Resolves once no request is in progress (the 503 answers themselves end at once). */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Destroys every open connection, whatever it is doing; says how much was cut. */
  cut(): CutReport {
    const report = { requests: this.active, connections: this.sockets.size };
    for (const socket of this.sockets) socket.destroy();
    return report;
  }
}

/**
 * Decorates the app with its Drain; the step answers requests that arrive while draining. Run it
 * right after the step that sets the request id and security headers: a request during the drain then
 * does no other work (no identity, limits or body).
 */
export function drainStep(app: FastifyInstance): RequestStep {
  const drain = new Drain(app.server);
  app.decorate('drain', drain);
  return (request, reply) => {
    if (!drain.isDraining) return undefined;
    // The connection goes with the answer: a kept-alive one would otherwise keep the drain waiting.
    reply.header('connection', 'close');
    sendError(request, reply, new AppError('SHUTTING_DOWN', undefined, { retry_after: DRAIN_RETRY_AFTER_S }));
    return ANSWERED;
  };
}
