// Entry point: wires settings, the Python extension and commands to the server's lifecycle.
import { ExtensionContext } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { SERVER_ID, SERVER_NAME } from './common/constants';
import { registerLogger, traceError } from './common/logging';
import { NotebookDiagnostics } from './common/notebooks';
import { initializePython, onDidChangePythonInterpreter } from './common/python';
import { restartServer, sendSettings } from './common/server';
import { launchSettingsChanged, liveSettingsChanged } from './common/settings';
import { createOutputChannel, getConfiguration, onDidChangeConfiguration, registerCommand } from './common/vscodeapi';

let client: LanguageClient | undefined;
// Restarts run one after another: two overlapping ones would leave two servers running.
let pending: Promise<void> = Promise.resolve();

export async function activate(context: ExtensionContext): Promise<void> {
    const channel = createOutputChannel(SERVER_NAME);
    const notebooks = new NotebookDiagnostics(`${SERVER_NAME}-notebooks`);
    context.subscriptions.push(channel, registerLogger(channel), notebooks);

    const runServer = (): Promise<void> => {
        pending = pending
            .then(async () => {
                client = await restartServer(SERVER_ID, SERVER_NAME, channel, client, notebooks);
            })
            .catch((error: unknown) => traceError('Restart failed:', error));
        return pending;
    };

    context.subscriptions.push(
        onDidChangePythonInterpreter(async () => {
            // An explicit pt-lsp.interpreter wins over the Python extension's choice.
            if (getConfiguration(SERVER_ID).get<string[]>('interpreter', []).length === 0) {
                await runServer();
            }
        }),
        onDidChangeConfiguration(async (e) => {
            if (launchSettingsChanged(e, SERVER_ID)) {
                await runServer();
            } else if (liveSettingsChanged(e, SERVER_ID) && client) {
                await sendSettings(client, SERVER_ID);
            }
        }),
        registerCommand(`${SERVER_ID}.restart`, runServer),
        registerCommand(`${SERVER_ID}.showOutput`, () => channel.show()),
    );

    await initializePython(context.subscriptions);
    await runServer();
}

export async function deactivate(): Promise<void> {
    await pending;
    await client?.stop();
}
