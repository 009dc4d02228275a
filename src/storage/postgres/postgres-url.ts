// A PostgreSQL URL as it may appear in logs and errors: the password replaced, so a startup failure
// or a "connection refused" line never hands the database credentials to whoever reads the log.

/**
 * The URL with its password (and any `password=` query parameter) replaced by "***".
 * @example redactDatabaseUrl('postgres://app:s3cret@db:5432/sealbin') === 'postgres://app:***@db:5432/sealbin'
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    // Not parseable as a URL: say nothing of it rather than risk echoing a secret.
    return '(unparseable database URL)';
  }
}

/** Replaces every occurrence of the URL's password in `text` (driver messages may quote the URL). */
export function redactPassword(text: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password ? text.split(password).join('***') : text;
}
