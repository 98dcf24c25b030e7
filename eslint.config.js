// ESLint for mcp-frontdoor: ESLint's and typescript-eslint's recommended rules, plus the typed rules
// that catch promise mistakes in an async proxy (a promise nobody awaits or catches, a promise used as
// a condition, an await on a non-promise). Typed rules read the project's own tsconfig.json.
// Formatting is Prettier's (npm run format); nothing here is about layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    rules: {
      // `let x; … () => x?.y …; x = new X()`: a callback that may run before the assignment reads a let on purpose.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
