// Lint: typescript-eslint's strict rules on every TypeScript file of the product, its tests and
// its benchmarks; formatting is prettier's (see .prettierrc.json), not the linter's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'web/dist/**', '.run/**', 'contracts/otus/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.{ts,tsx,mts}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // tsconfig has noUncheckedIndexedAccess: an index read is `T | undefined`, and `!` is how
      // the code says "checked just above" (a loop bound, a length test). Allowed for that.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // An unused parameter a signature needs (express's four-argument error handler) starts with _.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The benchmarks use the product as its other users do: through each package's entry points
    // (`@feed/core`, `@feed/db/seed`, …), so a file moved or renamed inside a package breaks
    // nothing outside it.
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(contracts|client|db|cache|broker|core|gateway|web)/src/', message: 'Import the package (@feed/…) instead of a file inside it.' }] }],
    },
  },
);
