// `sealbin issue-server-cert` arguments: what is required, defaults, and one-line refusals.
import { describe, expect, it } from 'vitest';
import { ISSUE_SERVER_CERT_USAGE, parseIssueServerCertArgs } from '../../../src/ops/issue-server-cert.js';

describe('parseIssueServerCertArgs', () => {
  it('hosts (repeatable), an absolute output dir, and defaults', () => {
    const options = parseIssueServerCertArgs(['--host', 'localhost', '--host', '127.0.0.1', '--out', 'tls']);
    expect(options).toEqual({ hosts: ['localhost', '127.0.0.1'], out: `${process.cwd()}/tls`, days: 397, caName: 'Sealbin CA', force: false });
    expect(parseIssueServerCertArgs(['--host', 'h.example', '--out', '/x', '--days', '30', '--ca-name', 'Lab CA', '--force'])).toMatchObject({ days: 30, caName: 'Lab CA', force: true });
  });

  it('refuses a missing host or output, bad days, bad names and unknown options', () => {
    expect(() => parseIssueServerCertArgs(['--out', 'tls'])).toThrow(ISSUE_SERVER_CERT_USAGE);
    expect(() => parseIssueServerCertArgs(['--host', 'localhost'])).toThrow(ISSUE_SERVER_CERT_USAGE);
    for (const days of ['0', '398', '1.5', 'x']) expect(() => parseIssueServerCertArgs(['--host', 'h', '--out', 'o', '--days', days])).toThrow(/--days/);
    expect(() => parseIssueServerCertArgs(['--host', 'h:80', '--out', 'o'])).toThrow(/not a host name/);
    expect(() => parseIssueServerCertArgs(['--host', 'h', '--out', 'o', '--ca-name', 'a\nb'])).toThrow(/--ca-name/);
    expect(() => parseIssueServerCertArgs(['--host', 'h', '--out', 'o', '--bogus'])).toThrow(/bogus/);
  });
});
