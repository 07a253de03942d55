// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Processes are spawned without a shell: no string interpolation into a command line. */
const noShell = ['child_process', 'node:child_process'].map((name) => ({
  name,
  importNames: ['exec', 'execSync'],
  message: 'Spawn without a shell (spawn/execFile with an argument array).',
}));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'out-*/**',
      'node_modules/**',
      'test-results/**',
      '.demo/**',
      '.smw/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: noShell }],
    },
  },
  {
    // Nothing below ui/ may import vscode: the engine and the CLI run in plain Node.
    files: ['src/model/**', 'src/engine/**', 'src/backends/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [...noShell, { name: 'vscode', message: 'Only src/ui/ may import vscode.' }] },
      ],
    },
  },
  {
    // Webview bundles run in the browser: no vscode, no Node modules.
    files: ['src/webview/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Webviews talk to the extension through messages.' }],
          patterns: [{ group: ['node:*'], message: 'Webviews run in the browser.' }],
        },
      ],
    },
  },
  {
    // Plain-JavaScript entry points and examples run on Node, as CommonJS or ES modules.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'bin/*'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
