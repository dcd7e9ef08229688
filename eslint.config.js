// Lint rules: typescript-eslint's type-aware recommended set, plus the layer rules of tools/layers.mjs (src/core free
// of the DOM, storage and model libraries; every other layer importing only the layers below it).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layerConfigs } from './tools/layers.mjs';

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
  // The layer rules (which part may import which, and which packages), generated from the one table.
  ...layerConfigs(),
);
