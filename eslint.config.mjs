// One lint configuration for the repository: TypeScript sources and tests, and the editor
// scripts under resources/ (plain browser JavaScript, served as they are).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', '.tmp/', 'nodes/', 'test/**/*.js', 'test/fixtures/', 'src/**/*.js'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Heavy dependencies (protobufjs, agora-token, redis, the upload code) are loaded with
      // require() on first use so that Node-RED starts as fast without the nodes that need them.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Node-RED's own idiom: a node's constructor keeps `this` as `node` for its handlers.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      // Sanitisers and protocol sniffers match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests build hostile and malformed inputs on purpose, which needs `any` now and then.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Build helpers run by npm scripts before anything is compiled: plain CommonJS for Node.
    files: ['scripts/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['resources/**/*.js'],
    extends: [js.configs.recommended],
    rules: {
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
      'no-control-regex': 'off',
    },
    languageOptions: {
      sourceType: 'script',
      ecmaVersion: 2018,
      globals: { ...globals.browser, $: 'readonly', jQuery: 'readonly', RED: 'readonly' },
    },
  },
);
