// A ShortLinkStore that seals link targets at rest: a target URL can carry a token (a signed download
// link, a password-reset URL), and a database dump must not hand it out.
import { fieldLabel, openField, sealField } from '../../crypto/field-seal.js';
import type { ShortLinkRecord, ShortLinkStore } from '../ports.js';

export class SealedShortLinkStore implements ShortLinkStore {
  constructor(
    private readonly inner: ShortLinkStore,
    private readonly key: Buffer,
  ) {}

  private open(link: ShortLinkRecord | null): ShortLinkRecord | null {
    // Bound to the link id: a target swapped onto another link fails instead of redirecting there.
    return link === null ? null : { ...link, target: openField(this.key, link.target, fieldLabel('short_links.target', link.id)) };
  }

  insertLink(link: ShortLinkRecord): Promise<boolean> {
    return this.inner.insertLink({ ...link, target: sealField(this.key, link.target, fieldLabel('short_links.target', link.id)) });
  }

  async getLiveLink(id: string, now: number): Promise<ShortLinkRecord | null> {
    return this.open(await this.inner.getLiveLink(id, now));
  }

  async clickLink(id: string, now: number): Promise<ShortLinkRecord | null> {
    return this.open(await this.inner.clickLink(id, now));
  }

  async listLinks(owner: string | null, now: number): Promise<ShortLinkRecord[]> {
    return (await this.inner.listLinks(owner, now)).map((link) => this.open(link) as ShortLinkRecord);
  }

  deleteLink(id: string): Promise<boolean> {
    return this.inner.deleteLink(id);
  }

  deleteExpiredLinks(now: number): Promise<number> {
    return this.inner.deleteExpiredLinks(now);
  }
}
