// The docs test is only as complete as its discovery: these pin what counts as a curl example.
import { describe, expect, it } from 'vitest';
import { extractExamples, SCRIPT_MARKER, unextractedCurlLines } from './extract-examples.js';

const fence = '```';

describe('extracting curl examples from Markdown', () => {
  it('takes each curl line of a fenced block, with its line number, and skips comments and other commands', () => {
    const markdown = ['# Title', '', `${fence}sh`, '# curl in a comment is not an example', 'npm start', "echo hi | curl -s --data-binary @- http://127.0.0.1:8080/", 'curl -s http://127.0.0.1:8080/health   # trailing note', './fpaste get URL   # like curl, but decrypts', fence].join('\n');
    expect(extractExamples('README.md', markdown)).toEqual([
      { file: 'README.md', line: 6, kind: 'line', command: "echo hi | curl -s --data-binary @- http://127.0.0.1:8080/" },
      { file: 'README.md', line: 7, kind: 'line', command: 'curl -s http://127.0.0.1:8080/health   # trailing note' },
    ]);
  });

  it('joins backslash continuations and reads indented fences inside list items', () => {
    const markdown = ['1. Step:', '   ```sh', '   curl -s \\', "     -d 'https://example.org' http://127.0.0.1:8080/s", '   ```'].join('\n');
    expect(extractExamples('docs/x.md', markdown)).toEqual([{ file: 'docs/x.md', line: 3, kind: 'line', command: "curl -s   -d 'https://example.org' http://127.0.0.1:8080/s" }]);
  });

  it('counts a code span in prose only when it runs curl against a URL', () => {
    const markdown = 'Plain `curl -T` sends PUT; use `curl -s -T notes.txt -X POST http://127.0.0.1:8080/upload` or `fpaste`.';
    expect(extractExamples('docs/api.md', markdown)).toEqual([{ file: 'docs/api.md', line: 1, kind: 'inline', command: 'curl -s -T notes.txt -X POST http://127.0.0.1:8080/upload' }]);
  });

  it('takes a block marked as a script whole, and refuses a marked block without curl', () => {
    const script = ['x=$(curl -s http://127.0.0.1:8080/challenge)', 'curl -s -H "X: $x" http://127.0.0.1:8080/'];
    expect(extractExamples('docs/abuse.md', [SCRIPT_MARKER, `${fence}sh`, ...script, fence].join('\n'))).toEqual([{ file: 'docs/abuse.md', line: 3, kind: 'script', command: script.join('\n') }]);
    expect(() => extractExamples('docs/abuse.md', [SCRIPT_MARKER, `${fence}sh`, 'echo no curl here', fence].join('\n'))).toThrow(/has no curl command/);
  });

  it('does not take prose inside a fence that merely mentions curl', () => {
    const markdown = [`${fence}text`, 'the client calls curl internally', fence].join('\n');
    expect(extractExamples('docs/formats.md', markdown)).toEqual([]);
  });

  it('reports curl lines with a URL that no example covers', () => {
    const markdown = [`${fence}sh`, 'sudo curl -s http://127.0.0.1:8080/health', 'curl -s http://127.0.0.1:8080/', fence, 'A span broken `curl -s', 'http://127.0.0.1:8080/` over two lines.', 'An unrelated curl mention.'].join('\n');
    expect(unextractedCurlLines('docs/x.md', markdown)).toEqual([2]);
    expect(unextractedCurlLines('docs/x.md', ['Broken `curl -s http://127.0.0.1:8080/', 'x` span'].join('\n'))).toEqual([1]);
  });
});
