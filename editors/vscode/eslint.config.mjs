import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['out/**', 'node_modules/**', '*.vsix'] },
    js.configs.recommended,
    ...tseslint.configs.strict,
    {
        files: ['**/*.ts'],
        rules: {
            curly: 'error',
            eqeqeq: 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
        },
    },
    {
        // CommonJS, as VS Code loads an extension without a bundler.
        files: ['e2e/python-extension-stub/*.js'],
        languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', process: 'readonly' } },
        rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
    {
        files: ['e2e/**/*.mjs', 'esbuild.mjs'],
        languageOptions: {
            globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly', fetch: 'readonly' },
        },
    },
);
