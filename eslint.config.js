// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Libraries that belong to adapters, never to the product core (STYLE.md C5). */
const platformLibraries = [
  'discord.js',
  'discord.js/*',
  '@discordjs/*',
  'telegraf',
  'telegraf/*',
  '@prisma/*',
  'prisma',
  'mysql2',
  'mysql2/*',
  'better-sqlite3',
  'onnxruntime-node',
  'onnx-proto',
  'node-cron',
  'pino',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/infra/db/generated/', 'prisma/sqlite/', 'coverage/', 'data/', 'models/', '.scratch/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only src/config.ts reads the environment (STYLE.md C8).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings through src/config.ts (loadConfig).' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/ml/runtime.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'onnxruntime-node', message: 'Only src/ml/runtime.ts imports onnxruntime-node (STYLE.md C12).' }] },
      ],
    },
  },
  {
    // The core is the product: it talks to the world through ports only.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: platformLibraries, message: 'src/core imports no platform, database, ONNX or scheduler library: add a port.' },
            { group: ['**/bots/**', '**/infra/**', '**/ml/**', '**/jobs/**', '**/main.ts'], message: 'src/core may not depend on adapters.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/bots/discord/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/bots/telegram/**', 'telegraf', '**/infra/**', 'onnxruntime-node'], message: 'Adapters stay independent and never touch the database.' }] }] },
  },
  {
    files: ['src/bots/telegram/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/bots/discord/**', 'discord.js', '**/infra/**', 'onnxruntime-node'], message: 'Adapters stay independent and never touch the database.' }] }] },
  },
  {
    files: ['src/config.ts', 'prisma.config.ts', 'scripts/*.mjs', 'tests/**/*.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
