// Bundles the extension into out/extension.js (vscode is provided by the editor), and with
// --tests the unit tests into out/test/ for `node --test`.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'info' };

const options = tests
    ? {
          ...common,
          entryPoints: readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`),
          outdir: 'out/test',
      }
    : {
          ...common,
          entryPoints: ['src/extension.ts'],
          outfile: 'out/extension.js',
          external: ['vscode'],
          minify: production,
          sourcemap: !production,
      };

if (watch) {
    await (await esbuild.context(options)).watch();
} else {
    await esbuild.build(options);
}
