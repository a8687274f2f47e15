import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
    chooseInterpreter,
    importCheckCommand,
    installHint,
    ISettings,
    resolveVariables,
    serverCommand,
    serverSettings,
    shouldNotify,
} from '../src/common/launch';

const base: ISettings = {
    enable: true,
    cwd: '/ws',
    interpreter: ['/ws/.venv/bin/python'],
    path: [],
    args: [],
    select: [],
    ignore: [],
    severity: {},
    fixAll: true,
    unsafeFixes: false,
    extendSelect: [],
    exclude: [],
    configuration: null,
    runtimeFindings: false,
    timeBudget: 5,
    debounce: 150,
    lintInThread: true,
    showNotifications: 'onError',
};

// What the server gets for the defaults above, besides the keys a test sets.
const sentDefaults = { extendSelect: [], exclude: [], runtimeFindings: false, timeBudget: 5, debounce: 150, lintInThread: true };

test('the configured interpreter wins over the Python extension and python3', () => {
    assert.deepEqual(chooseInterpreter(['/a/python'], ['/b/python']), ['/a/python']);
    assert.deepEqual(chooseInterpreter([], ['/b/python']), ['/b/python']);
    assert.deepEqual(chooseInterpreter([], undefined), ['python3']);
    assert.deepEqual(chooseInterpreter([], []), ['python3']);
});

test('the server runs as <interpreter> -m pt_lsp server <args>', () => {
    const command = serverCommand({ ...base, interpreter: ['conda', 'run', 'python'], args: ['--log-level', 'debug'] }, 'pt_lsp');
    assert.deepEqual(command, { command: 'conda', args: ['run', 'python', '-m', 'pt_lsp', 'server', '--log-level', 'debug'] });
});

test('a configured pt-lsp path replaces the interpreter', () => {
    const command = serverCommand({ ...base, path: ['/usr/local/bin/pt-lsp'] }, 'pt_lsp');
    assert.deepEqual(command, { command: '/usr/local/bin/pt-lsp', args: ['server'] });
});

test('the import check and the pip hint name the chosen interpreter', () => {
    assert.deepEqual(importCheckCommand(['/x/python'], 'pt_lsp'), { command: '/x/python', args: ['-c', 'import pt_lsp'] });
    assert.equal(installHint(['/x/python']), '/x/python -m pip install pt-lsp');
    assert.equal(installHint(['/my envs/python']), "'/my envs/python' -m pip install pt-lsp");
});

test('an empty select is not sent, since the server would read it as "no rule"', () => {
    assert.equal('select' in serverSettings(base), false);
    assert.equal('ignore' in serverSettings(base), false); // else it would replace the project's ignore
    const sent = serverSettings({ ...base, select: ['PTL4'], ignore: ['PTL102'], severity: { PTL1: 'hint' }, unsafeFixes: true });
    assert.deepEqual(sent, {
        select: ['PTL4'],
        ignore: ['PTL102'],
        severity: { PTL1: 'hint' },
        fixAll: true,
        unsafeFixes: true,
        ...sentDefaults,
    });
    assert.equal('interpreter' in sent, false);
});

test('every server setting is passed through', () => {
    const sent = serverSettings({
        ...base,
        extendSelect: ['PTL5'],
        exclude: ['third_party/**'],
        configuration: '/ws/pt-lsp.toml',
        runtimeFindings: true,
        timeBudget: 0,
        debounce: 0,
        lintInThread: false,
    });
    assert.deepEqual(sent, {
        severity: {},
        fixAll: true,
        unsafeFixes: false,
        extendSelect: ['PTL5'],
        exclude: ['third_party/**'],
        configuration: '/ws/pt-lsp.toml',
        runtimeFindings: true,
        timeBudget: 0,
        debounce: 0,
        lintInThread: false,
    });
});

test('configuration is sent when set (a path or a table), left out when not', () => {
    assert.equal('configuration' in serverSettings(base), false);
    assert.equal('configuration' in serverSettings({ ...base, configuration: '  ' }), false);
    assert.deepEqual(serverSettings({ ...base, configuration: { select: ['PTL2'] } }).configuration, { select: ['PTL2'] });
});

test('variables in paths are resolved', () => {
    const vars = { workspaceFolder: '/ws', userHome: '/home/u', cwd: '/c', env: { VENV: '/v' } };
    assert.deepEqual(resolveVariables(['${workspaceFolder}/.venv/bin/python', '${userHome}/x', '${env:VENV}/bin', '${env:NOPE}y'], vars), [
        '/ws/.venv/bin/python',
        '/home/u/x',
        '/v/bin',
        'y',
    ]);
    assert.deepEqual(resolveVariables(['${workspaceFolder}'], { ...vars, workspaceFolder: undefined }), ['${workspaceFolder}']);
});

test('showNotifications thresholds follow LSP message types', () => {
    assert.equal(shouldNotify('off', 1), false);
    assert.equal(shouldNotify('onError', 1), true);
    assert.equal(shouldNotify('onError', 2), false);
    assert.equal(shouldNotify('onWarning', 2), true);
    assert.equal(shouldNotify('onWarning', 3), false);
    assert.equal(shouldNotify('always', 3), true);
    assert.equal(shouldNotify('always', 4), false);
});
