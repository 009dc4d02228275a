// Every request's checks before routing, run as one onRequest pass instead of a hook each: a step
// that has nothing to wait for (most of them, on most requests) costs a function call, not a promise
// and a trip through Fastify's hook runner.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What a step returns once it has answered the request: nothing after it runs. */
export const ANSWERED = Symbol('answered');

type Outcome = undefined | typeof ANSWERED;

/**
 * One check. Returns nothing to go on, ANSWERED once it has sent the reply, or a promise of either
 * when it must wait (identity lookups, counters, the disk floor). (Not the reply itself: a reply is
 * thenable, and a promise of it would wait for the response to end and forget that it answered.)
 * A throw or a rejection goes to the error handler, as from a hook.
 */
export type RequestStep = (request: FastifyRequest, reply: FastifyReply) => Outcome | Promise<Outcome>;

function run(steps: readonly RequestStep[], from: number, request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
  for (let at = from; at < steps.length; at += 1) {
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = (steps[at] as RequestStep)(request, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    // Answered (the reply may still be on its way through onSend): the request goes no further.
    if (outcome === ANSWERED) return;
    if (outcome !== undefined) {
      outcome.then((later) => (later === ANSWERED ? undefined : run(steps, at + 1, request, reply, done)), done);
      return;
    }
  }
  done();
}

/** Registers the steps, in order, as one onRequest hook. */
export function registerRequestPass(app: FastifyInstance, steps: readonly RequestStep[]): void {
  app.addHook('onRequest', (request, reply, done) => run(steps, 0, request, reply, done));
}
