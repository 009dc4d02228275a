// Short links: create with a collision-checked random id, resolve with an atomic click count,
// list, delete by owner or admin.
import type { ShortLinkRecord, ShortLinkStore } from '../storage/ports.js';
import { lifetimeStart } from './clock.js';
import type { Clock } from './clock.js';
import { AppError } from './errors.js';
import type { ExpiryPolicy } from './expiry.js';
import { resolveExpiry } from './expiry.js';
import type { Identity } from './identity.js';
import type { SelfNames } from './self-link.js';
import { isShortId, newShortId, normalizeTarget } from './short-url.js';

const ID_ATTEMPTS = 5;

export class ShortLinkService {
  constructor(
    private readonly store: ShortLinkStore,
    private readonly clock: Clock,
    private readonly expiry: ExpiryPolicy,
  ) {}

  /** `maxClicks`: redirects before the link is removed (X-Max-Downloads); null = unlimited. */
  async create(input: string, owner: string | null, expiryHeader: string | undefined, self: SelfNames, maxClicks: number | null = null): Promise<ShortLinkRecord> {
    const now = this.clock.now();
    const expiresAt = resolveExpiry(expiryHeader, this.expiry, lifetimeStart(this.clock));
    const target = normalizeTarget(input, self);
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const link: ShortLinkRecord = { id: newShortId(), target, owner, createdAt: now, expiresAt, clicks: 0, clicksRemaining: maxClicks };
      // A collision is retried with a fresh id, never silently merged with another link.
      if (await this.store.insertLink(link)) return link;
    }
    throw new AppError('INTERNAL_ERROR', 'Could not find a free short-link id; try again.');
  }

  async click(id: string): Promise<ShortLinkRecord> {
    const link = isShortId(id) ? await this.store.clickLink(id, this.clock.now()) : null;
    if (!link) throw new AppError('NOT_FOUND');
    // The last redirect of a limited link removes it (invisible already; the sweep catches a crash here).
    if (link.clicksRemaining === 0) await this.store.deleteLink(id);
    return link;
  }

  async get(id: string): Promise<ShortLinkRecord> {
    const link = isShortId(id) ? await this.store.getLiveLink(id, this.clock.now()) : null;
    if (!link) throw new AppError('NOT_FOUND');
    return link;
  }

  async list(owner: string | null): Promise<ShortLinkRecord[]> {
    return this.store.listLinks(owner, this.clock.now());
  }

  /** Owner or admin only: 401 for anonymous callers, 403 for others; nothing changes either way. */
  async delete(id: string, caller: Identity | null): Promise<void> {
    const link = await this.get(id);
    if (!caller) throw new AppError('AUTH_REQUIRED');
    if (!caller.admin && (link.owner === null || link.owner !== caller.owner)) throw new AppError('FORBIDDEN');
    await this.store.deleteLink(id);
  }
}
