// Driving VS Code's workbench in the browser: the Problems panel, the command palette, the
// quick-fix menu and the editor text, by the DOM the workbench renders.
export const WAIT_MS = Number(process.env.E2E_WAIT_MS ?? 90_000);

/** Text of the rows of the Problems panel: one per file, per marker and per related location. */
export async function problemRows(page) {
    return page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) =>
        rows.map((row) => ({ label: row.getAttribute('aria-label') ?? '', text: row.textContent ?? '' })),
    );
}

/** The Problems panel rows of pt-lsp diagnostics. */
export async function markerRows(page) {
    return (await problemRows(page)).filter((row) => /pt-lsp/.test(row.text) && /PTL\d{3}/.test(row.text));
}

/** Polls probe() until it returns { ok: true, ... }; fails with what it saw last. */
export async function waitUntil(description, probe) {
    const deadline = Date.now() + WAIT_MS;
    let last;
    while (Date.now() < deadline) {
        last = await probe();
        if (last.ok) {
            return last;
        }
        await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`timed out waiting for ${description}; last seen: ${JSON.stringify(last?.seen ?? last)}`);
}

/** Runs a command from the command palette (F1), by its title. */
export async function runCommand(page, title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const item = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await item.waitFor({ state: 'visible' });
    await item.click();
}

/** Moves the action widget's focus to the item with this title and applies it, as a user
 *  with the keyboard would (the widget's pointer block swallows synthetic clicks). */
export async function chooseAction(page, title) {
    const focused = page.locator('.action-widget .monaco-list-row.focused');
    for (let step = 0; step < 30; step++) {
        if (((await focused.textContent()) ?? '').includes(title)) {
            await page.keyboard.press('Enter');
            return;
        }
        await page.keyboard.press('ArrowDown');
    }
    throw new Error(`no "${title}" in the quick-fix menu`);
}

/** The text of the active editor, line by line as Monaco renders it. */
export async function editorText(page) {
    const lines = await page.locator('.editor-instance .monaco-editor .view-lines .view-line').evaluateAll((nodes) =>
        nodes
            .map((n) => ({ top: parseFloat(n.style.top || '0'), text: (n.textContent ?? '').replace(/\u00a0/g, ' ') }))
            .sort((a, b) => a.top - b.top)
            .map((n) => n.text),
    );
    return lines.join('\n');
}
