// Flat config: typescript-eslint's recommended rules plus the project's conventions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';
import globals from 'globals';

// eslint-plugin-security on the shipped code only, every rule an error, except two that flag every
// typed index (`counts[byte]`) and every computed path: all 140 of their findings were reviewed
// once (paths come from validated ids, the config or the CLI user's own arguments; indexes are
// numbers or literal-union keys) and as warnings they only buried real output. They are off.
const NOISY = ['security/detect-object-injection', 'security/detect-non-literal-fs-filename'];
const securityRules = Object.fromEntries(Object.keys(security.configs.recommended.rules).map((rule) => [rule, NOISY.includes(rule) ? 'off' : 'error']));

// The browser page (src/web) renders decrypted, attacker-chosen content: every way of turning a
// string into markup or code is forbidden there (DOM XSS), so text only reaches the page as text.
// Trusted Types in the page's CSP enforce the same at run time; this catches it at review time.
const HTML_SINKS = ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'srcdoc', 'createContextualFragment', 'setHTMLUnsafe'];
const webRules = {
  'no-restricted-properties': [
    'error',
    ...HTML_SINKS.map((property) => ({ property, message: 'DOM XSS: build nodes and set textContent instead.' })),
    { object: 'document', property: 'write', message: 'DOM XSS: build nodes and set textContent instead.' },
    { object: 'document', property: 'writeln', message: 'DOM XSS: build nodes and set textContent instead.' },
    { object: 'Document', property: 'parseHTMLUnsafe', message: 'DOM XSS: build nodes and set textContent instead.' },
  ],
  // String-to-code: eval, new Function / Function(), setTimeout("code"), javascript: URLs.
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
  'no-script-url': 'error',
};
// Node's globals do not exist in a browser; the ones the shared block declares are switched off here.
const NODE_ONLY = { process: 'off', Buffer: 'off', setImmediate: 'off' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '.tmp-web-test-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['src/**'], plugins: { security }, rules: securityRules },
  { files: ['src/web/**'], languageOptions: { globals: { ...globals.browser, ...NODE_ONLY } }, rules: webRules },
  { files: ['src/web/**/*worker*.ts'], languageOptions: { globals: { ...globals.worker, ...NODE_ONLY } } },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
