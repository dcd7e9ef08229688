// Lint rules: typescript-eslint's type-aware recommended set, plus the project's layering rule that keeps
// src/core free of the DOM, storage and model libraries, so it runs (and is
// tested) the same in a page, a worker and Node.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'public/', 'test-results/', 'playwright-report/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'tools/*.mjs', 'bin/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@huggingface/*', 'idb', 'comlink', '../engines/*', '../store/*', '../ui/*', '../widget/*'],
              message: 'src/core is pure: no model library, storage or UI.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'indexedDB', 'navigator', 'localStorage'],
    },
  },
);
