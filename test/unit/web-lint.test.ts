// The lint rules for src/web (issue 14): every way of turning a string into markup or code is an error
// there, so a DOM XSS sink cannot slip into the page unnoticed. Runs the project's real ESLint config.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

async function problems(code: string, file = 'src/web/probe.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'fatal'}: ${message.message}`);
}

describe('src/web lint rules', () => {
  it.each([
    ['innerHTML', "document.body.innerHTML = location.hash;\n", 'no-restricted-properties'],
    ['computed innerHTML', "document.body['innerHTML'] = location.hash;\n", 'no-restricted-properties'],
    ['outerHTML', "document.body.outerHTML = location.hash;\n", 'no-restricted-properties'],
    ['insertAdjacentHTML', "document.body.insertAdjacentHTML('beforeend', location.hash);\n", 'no-restricted-properties'],
    ['document.write', 'document.write(location.hash);\n', 'no-restricted-properties'],
    ['eval', 'eval(location.hash);\n', 'no-eval'],
    ['new Function', "new Function('return 1');\n", 'no-new-func'],
    ['setTimeout with a string', "setTimeout('alert(1)', 1);\n", 'no-implied-eval'],
  ])('forbids %s', async (_label, code, rule) => {
    expect((await problems(`${code}export {};\n`)).join('\n')).toContain(`${rule}:`);
  });

  it('lets text through as text', async () => {
    expect(await problems("const p = document.createElement('p');\np.textContent = location.hash;\ndocument.body.append(p);\nexport {};\n")).toEqual([]);
  });

  it('the rules are scoped to the page: server code is not affected', async () => {
    expect((await problems("const o = { innerHTML: '' };\no.innerHTML = 'x';\nexport {};\n", 'src/http/probe.ts')).join('\n')).not.toContain('no-restricted-properties');
  });
});
