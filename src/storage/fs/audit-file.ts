// The PKI audit log: one JSON object per line, appended and flushed per event (events are rare and
// must survive a crash), file mode 0600.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Clock } from '../../core/clock.js';
import type { AuditEvent, AuditLog } from '../ports.js';

export class AuditFile implements AuditLog {
  private handle: Promise<FileHandle> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly clock: Clock,
  ) {}

  record(event: AuditEvent): Promise<void> {
    const line = `${JSON.stringify({ time: new Date(this.clock.now() * 1000).toISOString(), ...event })}\n`;
    // Writes are serialised so lines never interleave.
    this.queue = this.queue.then(async () => {
      this.handle ??= open(this.path, 'a', 0o600);
      const handle = await this.handle;
      await handle.write(line);
      await handle.datasync();
    });
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.handle) await (await this.handle).close();
  }
}
