// End-to-end test of the pt-lsp extension in a real VS Code: code-server (the browser build of
// VS Code) with the packaged .vsix installed, driven by playwright-core in headless Chromium.
//
//   node e2e/run.mjs          (normally through `make e2e-vscode` at the repository root)
//
// Environment: CODE_SERVER (the code-server executable), VSIX (the packaged extension),
// PT_LSP_PYTHON (the interpreter with pt-lsp installed; the project's .venv by default),
// CHROMIUM (/usr/bin/chromium), SCREENSHOT (where the final screenshot goes), E2E_OUT (logs
// and failure screenshots). Expected findings and fix come from pt-lsp's core (expected.py),
// so the test checks what the editor shows against what the linter finds.
//
// Steps: (1) the Problems panel lists the core's findings; (2) "pt-lsp: Show Output" and the
// server command; (3) the PTL401 quick fix from the editor's quick-fix menu, the text and the
// diagnostic afterwards, the screenshot; (4) a live settings change; (5) a Jupyter notebook, and
// a line typed into one of its cells;
// (6) an interpreter without pt-lsp: one notification with the pip command; (7) no interpreter
// setting: the Python extension's active interpreter (a stand-in extension, python-extension-stub);
// (8) fix all on save; (9) the Restart Server command and pt-lsp.enable = false.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { channelLog, freePort, startCodeServer, waitForHttp, writeJson } from './codeServer.mjs';
import { chooseAction, editorText, markerRows, problemRows, runCommand, WAIT_MS, waitUntil } from './workbench.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const env = process.env;
const codeServer = env.CODE_SERVER ?? path.join(env.HOME ?? '/root', '.cache/pt-lsp-tools/code-server/node_modules/.bin/code-server');
const vsix = path.resolve(env.VSIX ?? path.join(here, '..', 'pt-lsp.vsix'));
const python = env.PT_LSP_PYTHON ?? path.join(repo, '.venv/bin/python');
const chromiumPath = env.CHROMIUM ?? '/usr/bin/chromium';
const work = mkdtempSync(path.join(tmpdir(), 'pt-lsp-e2e-'));
const outDir = path.resolve(env.E2E_OUT ?? work);
const screenshot = path.resolve(env.SCREENSHOT ?? path.join(outDir, 'e2e-screenshot.png')); // never a tracked file
const FIX_CODE = 'PTL401';
const SERVER_NAME = 'pt-lsp';

// Real rule triggers: a CUDA tensor's .numpy() (PTL401) and the legacy Variable (PTL101).
const BUGGY = `import torch
from torch.autograd import Variable

x = torch.randn(3, device="cuda")
y = Variable(x)
print(x.numpy())
`;

const started = Date.now();
function log(...parts) {
    console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...parts);
}

function check(condition, message) {
    if (!condition) {
        throw new Error(`check failed: ${message}`);
    }
}

// Workspace settings for each step. Fix all on explicit save is on from the start: a setting
// written just before the save (step 8) may not have been read yet when the save happens.
// E2E_TRACE=verbose traces the LSP messages into the pt-lsp output log under user-data/logs.
function settingsWith(values) {
    const all = { '[python]': { 'editor.codeActionsOnSave': { 'source.fixAll.pt-lsp': 'explicit' } }, ...values };
    return env.E2E_TRACE ? { ...all, 'pt-lsp.trace.server': env.E2E_TRACE } : all;
}

function makeWorkspace(interpreter) {
    const folder = path.join(work, 'workspace');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'train.py'), BUGGY);
    writeJson(path.join(folder, '.vscode/settings.json'), settingsWith({ 'pt-lsp.interpreter': [interpreter] }));
    // A notebook whose second cell uses a CUDA tensor made in the first (PTL401 across cells).
    const cell = (source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
    writeJson(path.join(folder, 'explore.ipynb'), {
        cells: [cell(['import torch\n', 'x = torch.randn(3, device="cuda")']), cell(['print(x.numpy())'])],
        metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
        nbformat: 4,
        nbformat_minor: 5,
    });
    return folder;
}

function expectedFindings(file) {
    const json = execFileSync(python, [path.join(here, 'expected.py'), file, FIX_CODE], { encoding: 'utf-8' });
    return JSON.parse(json);
}

/** The interpreter the Python extension stand-in reports as active: the project's Python
 *  behind another path, so the log shows which of the two the server was started with. */
function makeActiveEnvironment() {
    const executable = path.join(work, 'active-env', 'bin', 'python');
    mkdirSync(path.dirname(executable), { recursive: true });
    writeFileSync(executable, `#!/bin/sh\nexec '${python}' "$@"\n`, { mode: 0o755 });
    return executable;
}

async function main() {
    log(`work dir ${work}`);
    mkdirSync(outDir, { recursive: true });
    const folder = makeWorkspace(python);
    const expected = expectedFindings(path.join(folder, 'train.py'));
    log('core findings:', expected.findings.map((f) => `${f.code}@${f.line}`).join(' '), '| fix:', expected.fix.title);
    check(expected.findings.some((f) => f.code === 'PTL401'), 'the core flags PTL401 in the buggy file');
    check(expected.findings.some((f) => f.code === 'PTL101'), 'the core flags PTL101 in the buggy file');

    const userData = path.join(work, 'user-data');
    const extensions = path.join(work, 'extensions');
    const stub = path.join(work, 'python-extension-stub.vsix');
    execFileSync(path.join(here, '..', 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '-o', stub], {
        cwd: path.join(here, 'python-extension-stub'),
        stdio: 'ignore',
    });
    for (const extension of [vsix, stub]) {
        log(`installing ${extension}`);
        execFileSync(codeServer, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', extension], {
            stdio: 'inherit',
        });
    }
    const activePython = makeActiveEnvironment();

    const port = await freePort();
    const logFile = path.join(outDir, 'code-server.log');
    const server = startCodeServer({
        codeServer, port, userData, extensions, folder, logFile,
        env: { ...env, PT_LSP_E2E_ACTIVE_PYTHON: activePython },
    });
    let browser;
    let page;
    try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, server, WAIT_MS, logFile);
        log(`code-server up on port ${port}`);
        browser = await chromium.launch({
            executablePath: chromiumPath,
            headless: true,
            args: [
                '--no-sandbox',
                '--disable-gpu',
                '--disable-quic',
                '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
            ],
        });
        page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
        page.setDefaultTimeout(WAIT_MS);
        await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`);
        await page.locator('.monaco-workbench').waitFor();
        log('workbench loaded');

        await page.getByRole('treeitem', { name: /^train\.py/ }).click();
        await page.locator('.editor-instance .view-lines', { hasText: 'torch.randn' }).waitFor();
        log('train.py open');

        // 1. The Problems panel lists exactly the core's findings, with pt-lsp as source.
        await page.keyboard.press('Control+Shift+M');
        const listed = await waitUntil('pt-lsp diagnostics in the Problems panel', async () => {
            const rows = await markerRows(page);
            return { ok: rows.length >= expected.findings.length, rows, seen: rows.map((r) => r.text) };
        });
        for (const finding of expected.findings) {
            check(
                listed.rows.some((r) => r.text.includes(finding.message) && r.text.includes(finding.code)),
                `Problems panel shows ${finding.code} "${finding.message}"`,
            );
        }
        check(listed.rows.length === expected.findings.length, `${expected.findings.length} pt-lsp problems listed, got ${listed.rows.length}`);
        log(`Problems panel: ${listed.rows.length} pt-lsp diagnostics, messages match the core`);
        // 1b. The evidence path of a flow finding: its steps as related information under it.
        const steps = expected.findings.flatMap((f) => f.related);
        check(steps.length > 0, 'the core gives the PTL401 finding an evidence path');
        await waitUntil('the evidence path under the PTL401 problem', async () => {
            const rows = await problemRows(page);
            return { ok: steps.every((step) => rows.some((r) => r.text.includes(step))), seen: rows.map((r) => r.text) };
        });
        log(`Problems panel: the evidence path (${steps.join('; ')}) shown as related information`);

        // 2. "pt-lsp: Show Output" shows the server started from the project's interpreter.
        await runCommand(page, 'pt-lsp: Show Output');
        await waitUntil('the pt-lsp channel in the Output panel', async () => {
            const shown = await page.locator('.part.panel select.monaco-select-box').first().inputValue().catch(() => '');
            return { ok: shown === SERVER_NAME, seen: shown };
        });
        const outputLine = `Server run command: ${python} -m pt_lsp server`;
        check(channelLog(userData, SERVER_NAME).includes(outputLine), `the pt-lsp output log has "${outputLine}"`);
        log(`Output panel shows the pt-lsp channel; it logged "${outputLine}"`);

        // 3. Quick fix on the PTL401 diagnostic: open the menu on it, apply the preferred fix.
        await page.keyboard.press('Control+Shift+M');
        const row = page.locator('.markers-panel .monaco-list-row', { hasText: FIX_CODE }).first();
        await row.dblclick();
        await page.waitForTimeout(300);
        await page.keyboard.press('Control+.');
        const action = page.locator('.action-widget .monaco-list-row', { hasText: expected.fix.title }).first();
        await action.waitFor({ state: 'visible' });
        await page.screenshot({ path: path.join(outDir, 'e2e-quickfix-menu.png') });
        log(`quick-fix menu offers "${expected.fix.title}"`);
        await chooseAction(page, expected.fix.title);

        const fixed = await waitUntil('the fix in the editor text', async () => {
            const text = await editorText(page);
            return { ok: expected.fix.changed_lines.every((line) => text.includes(line)), seen: text };
        });
        check(!fixed.seen.includes('print(x.numpy())'), 'the flagged text is gone from the editor');
        log(`editor text changed: ${expected.fix.changed_lines.join(' | ')}`);

        const after = await waitUntil(`${FIX_CODE} to leave the Problems panel`, async () => {
            const rows = await markerRows(page);
            return { ok: !rows.some((r) => r.text.includes(FIX_CODE)) && rows.length > 0, rows, seen: rows.map((r) => r.text) };
        });
        const remaining = expected.findings.filter((f) => f.code !== FIX_CODE);
        check(after.rows.length === remaining.length, `${remaining.length} problems left after the fix, got ${after.rows.length}`);
        log(`${FIX_CODE} gone, ${after.rows.length} problems left`);
        await page.locator('.editor-instance .view-lines').click();
        await page.waitForTimeout(500);
        mkdirSync(path.dirname(screenshot), { recursive: true });
        await page.screenshot({ path: screenshot });
        log(`screenshot: ${screenshot}`);

        // 4. A live settings change reaches the running server: ignoring PTL101 clears the rest.
        writeJson(path.join(folder, '.vscode/settings.json'), settingsWith({ 'pt-lsp.interpreter': [python], 'pt-lsp.ignore': ['PTL101'] }));
        await waitUntil('PTL101 to go once ignored', async () => {
            const rows = await markerRows(page);
            return { ok: rows.length === 0, seen: rows.map((r) => r.text) };
        });
        log('pt-lsp.ignore = ["PTL101"] applied live: no pt-lsp problems left');

        // 5. A Jupyter notebook: the cell that calls .numpy() on the first cell's CUDA tensor.
        await page.getByRole('treeitem', { name: /^explore\.ipynb/ }).click();
        const numpyMessage = expected.findings.find((f) => f.code === FIX_CODE).message;
        const inNotebook = await waitUntil('PTL401 in the notebook cell', async () => {
            const rows = await markerRows(page);
            return { ok: rows.some((r) => r.text.includes(numpyMessage)), rows, seen: rows.map((r) => r.text) };
        });
        check(inNotebook.rows.length === 1, `one pt-lsp problem in the notebook, got ${inNotebook.rows.length}`);
        log('notebook: PTL401 reported on the second cell');
        // Typing in a cell: a second .numpy() of the same CUDA tensor is reported too.
        await page.locator('.notebook-editor .cell-editor-container', { hasText: 'print(x.numpy())' }).click();
        await page.keyboard.press('Control+End');
        await page.keyboard.insertText('\nz = x.numpy()');
        await waitUntil('two PTL401 problems after typing in the cell', async () => {
            const rows = await markerRows(page);
            return { ok: rows.filter((r) => r.text.includes(numpyMessage)).length === 2 && rows.length === 2, seen: rows.map((r) => r.text) };
        });
        await page.screenshot({ path: path.join(outDir, 'e2e-notebook.png') });
        log('notebook: a line typed into the cell is checked as well');

        // 6. An interpreter without pt-lsp: one notification with the pip command.
        writeJson(path.join(folder, '.vscode/settings.json'), settingsWith({ 'pt-lsp.interpreter': ['/usr/bin/python3'] }));
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'pip install pt-lsp' });
        await toast.first().waitFor();
        const toastText = (await toast.first().textContent()) ?? '';
        check(toastText.includes('/usr/bin/python3 -m pip install pt-lsp'), `notification names the pip command: ${toastText}`);
        check((await toast.count()) === 1, 'exactly one notification');
        log('missing pt-lsp: notification with the pip command');
        await page.screenshot({ path: path.join(outDir, 'e2e-not-installed.png') });

        // 7. No pt-lsp.interpreter: the Python extension's active interpreter runs the server.
        writeJson(path.join(folder, '.vscode/settings.json'), settingsWith({}));
        await waitUntil('the notebook diagnostic from the restarted server', async () => {
            const rows = await markerRows(page);
            return { ok: rows.some((r) => r.text.includes(numpyMessage)), seen: rows.map((r) => r.text) };
        });
        const fromPythonExtension = `Server run command: ${activePython} -m pt_lsp server`;
        check(channelLog(userData, SERVER_NAME).includes(fromPythonExtension), `the pt-lsp output log has "${fromPythonExtension}"`);
        log('no pt-lsp.interpreter: started with the Python extension\'s active interpreter');

        // 8. Fix all on save (source.fixAll.pt-lsp in editor.codeActionsOnSave).
        await page.locator('.tabs-container .tab', { hasText: 'train.py' }).click();
        await page.locator('.editor-instance .view-lines', { hasText: 'torch.randn' }).click();
        await page.keyboard.press('Control+S');
        const saved = await waitUntil('train.py saved with every safe fix', async () => {
            const text = readFileSync(path.join(folder, 'train.py'), 'utf-8');
            return { ok: text === expected.fixed_all, seen: text };
        });
        check(!saved.seen.includes('Variable'), 'fix all removed Variable');
        log('fix all on save: the saved file is what `pt-lsp check --fix` would write');

        // 9. "pt-lsp: Restart Server" starts a new server; pt-lsp.enable = false stops it.
        const starts = () => channelLog(userData, SERVER_NAME).split('\n').filter((l) => l.endsWith('Server started')).length;
        const before = starts();
        await runCommand(page, 'pt-lsp: Restart Server');
        await waitUntil('a restarted server', async () => ({ ok: starts() === before + 1, seen: starts() }));
        await waitUntil('the notebook diagnostic from the restarted server', async () => {
            const rows = await markerRows(page);
            return { ok: rows.some((r) => r.text.includes(numpyMessage)), seen: rows.map((r) => r.text) };
        });
        writeJson(path.join(folder, '.vscode/settings.json'), settingsWith({ 'pt-lsp.enable': false }));
        await waitUntil('no pt-lsp problems once disabled', async () => {
            const rows = await markerRows(page);
            return { ok: rows.length === 0 && channelLog(userData, SERVER_NAME).includes('pt-lsp.enable is false'), seen: rows.map((r) => r.text) };
        });
        log('Restart Server restarted it; pt-lsp.enable = false stopped it and cleared its problems');
        log(`PASS (${((Date.now() - started) / 1000).toFixed(0)}s)`);
    } catch (error) {
        if (page) {
            await page.screenshot({ path: path.join(outDir, 'e2e-failure.png') }).catch(() => undefined);
            writeFileSync(path.join(outDir, 'e2e-failure.html'), await page.content().catch(() => ''));
            log(`failure screenshot and DOM in ${outDir}`);
        }
        throw error;
    } finally {
        await browser?.close();
        server.kill('SIGTERM');
    }
}

main().then(
    () => process.exit(0),
    (error) => {
        console.error(error instanceof Error ? error.message : error);
        console.error(`logs: ${outDir}/code-server.log; extension host log under ${work}/user-data/logs`);
        process.exit(1);
    },
);
