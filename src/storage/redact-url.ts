// Connection URLs carry passwords (redis://:secret@host): only this form of one is ever logged.

/** @example redactUrl('redis://:hunter2@cache:6379/0') // -> 'redis://:***@cache:6379/0' */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
