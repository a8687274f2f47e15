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
        files: ['e2e/**/*.mjs', 'esbuild.mjs'],
        languageOptions: {
            globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly', fetch: 'readonly' },
        },
    },
);
