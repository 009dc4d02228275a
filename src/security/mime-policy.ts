// Allow/deny lists of MIME globs ("image/*", "application/pdf", "*"), checked on the detected type.
import { AppError } from '../core/errors.js';

function matches(glob: string, type: string): boolean {
  const [globType = '', globSub = ''] = glob.toLowerCase().split('/');
  const [kind = '', sub = ''] = type.toLowerCase().split('/');
  if (globType === '*') return true;
  return globType === kind && (globSub === '*' || globSub === sub);
}

export class MimePolicy {
  constructor(
    private readonly allowed: readonly string[],
    private readonly denied: readonly string[],
  ) {}

  /** Deny wins over allow; an empty allow list allows everything not denied. */
  check(type: string): void {
    const denied = this.denied.some((glob) => matches(glob, type));
    const allowed = this.allowed.length === 0 || this.allowed.some((glob) => matches(glob, type));
    if (denied || !allowed) throw new AppError('TYPE_NOT_ALLOWED', `Content of type ${type} is not accepted here.`);
  }
}

export function isMimeGlob(text: string): boolean {
  return /^(\*|[a-z0-9][a-z0-9.+-]*\/(\*|[a-z0-9][a-z0-9.+-]*))$/i.test(text);
}
