// Starting code-server for the end-to-end test, and reading what VS Code logs to disk.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function writeJson(file, value) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value, null, 2));
}

export function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

export async function waitForHttp(url, process_, waitMs, logFile) {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
        if (process_.exitCode !== null) {
            throw new Error(`code-server exited with ${process_.exitCode}; see ${logFile}`);
        }
        try {
            if ((await fetch(url)).ok) {
                return;
            }
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer ${url}`);
}

/** code-server on 127.0.0.1:port, no auth, no telemetry; its output goes to logFile. */
export function startCodeServer({ codeServer, port, userData, extensions, folder, logFile, env }) {
    writeJson(path.join(userData, 'User/settings.json'), {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'editor.minimap.enabled': false,
        'chat.commandCenter.enabled': false,
        'window.commandCenter': false,
    });
    const log = createWriteStream(logFile);
    const child = spawn(
        codeServer,
        [
            '--auth', 'none',
            '--bind-addr', `127.0.0.1:${port}`,
            '--disable-telemetry',
            '--disable-update-check',
            '--disable-workspace-trust',
            '--disable-getting-started-override',
            '--user-data-dir', userData,
            '--extensions-dir', extensions,
            folder,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    return child;
}

/** The pt-lsp output channel as VS Code writes it to disk (the panel virtualises long logs). */
export function channelLog(userData, name) {
    const logs = path.join(userData, 'logs');
    return readdirSync(logs, { recursive: true })
        .filter((f) => String(f).endsWith(`${name}.log`))
        .map((f) => readFileSync(path.join(logs, String(f)), 'utf-8'))
        .join('\n');
}
