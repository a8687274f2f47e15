// Starts, stops and configures the pt-lsp language server process.
import { execFile } from 'child_process';
import { LogOutputChannel } from 'vscode';
import {
    DidChangeConfigurationNotification,
    DocumentSelector,
    LanguageClient,
    LanguageClientOptions,
    LogMessageNotification,
    LogMessageParams,
    RevealOutputChannelOn,
    ServerOptions,
} from 'vscode-languageclient/node';
import { SERVER_MODULE } from './constants';
import {
    importCheckCommand,
    installHint,
    ISettings,
    NotificationLevel,
    serverCommand,
    serverSettings,
    shouldNotify,
} from './launch';
import { traceError, traceInfo, traceLog, traceWarn } from './logging';
import { NotebookDiagnostics } from './notebooks';
import { getWorkspaceSettings, primaryFolder } from './settings';
import {
    copyToClipboard,
    getNotebookDocuments,
    isVirtualWorkspace,
    showErrorMessage,
    showInformationMessage,
    showWarningMessage,
} from './vscodeapi';

const IMPORT_CHECK_TIMEOUT_MS = 30_000;
// The server re-lints as soon as it has read its settings; pull notebook cells after that.
const NOTEBOOK_REPULL_DELAY_MS = 300;

// Interpreters we already told the user about: one notification each, not one per restart.
const reportedMissing = new Set<string>();
// pt-lsp.showNotifications of the running server; a live setting, so read at each message.
let notificationLevel: NotificationLevel = 'onError';

function documentSelector(): DocumentSelector {
    if (isVirtualWorkspace()) {
        return [{ language: 'python' }];
    }
    return [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
        { scheme: 'vscode-notebook', language: 'python' },
        { scheme: 'vscode-notebook-cell', language: 'python' },
    ];
}

/** Whether `<interpreter> -c "import pt_lsp"` succeeds; stderr goes to the output channel. */
function moduleImports(interpreter: string[], cwd: string): Promise<boolean> {
    const { command, args } = importCheckCommand(interpreter, SERVER_MODULE);
    return new Promise((resolve) => {
        execFile(command, args, { cwd, timeout: IMPORT_CHECK_TIMEOUT_MS }, (error, _stdout, stderr) => {
            if (error) {
                traceWarn(`"${[command, ...args].join(' ')}" failed: ${stderr.trim() || error.message}`);
            }
            resolve(!error);
        });
    });
}

async function reportMissing(interpreter: string[]): Promise<void> {
    const key = interpreter.join('\u0000');
    if (reportedMissing.has(key)) {
        return;
    }
    reportedMissing.add(key);
    const pip = installHint(interpreter);
    traceError(`pt-lsp is not installed in ${interpreter.join(' ')}. Install it with: ${pip}`);
    const choice = await showErrorMessage(
        `pt-lsp is not installed in the selected Python (${interpreter.join(' ')}). Install it with: ${pip}`,
        'Copy Command',
    );
    if (choice === 'Copy Command') {
        await copyToClipboard(pip);
    }
}

function notify(channel: LogOutputChannel, params: LogMessageParams): void {
    const line = `[server] ${params.message}`;
    switch (params.type) {
        case 1:
            channel.error(line);
            break;
        case 2:
            channel.warn(line);
            break;
        case 3:
            channel.info(line);
            break;
        default:
            channel.debug(line);
    }
    if (!shouldNotify(notificationLevel, params.type)) {
        return;
    }
    const show = params.type === 1 ? showErrorMessage : params.type === 2 ? showWarningMessage : showInformationMessage;
    void show(`pt-lsp: ${params.message}`);
}

async function createServer(
    settings: ISettings,
    serverId: string,
    serverName: string,
    channel: LogOutputChannel,
    notebooks: NotebookDiagnostics,
) {
    const { command, args } = serverCommand(settings, SERVER_MODULE);
    traceInfo(`Server run command: ${[command, ...args].join(' ')}`);
    traceInfo(`Server working directory: ${settings.cwd}`);
    const serverOptions: ServerOptions = {
        command,
        args,
        options: { cwd: settings.cwd, env: { ...process.env, PYTHONUTF8: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: documentSelector(),
        outputChannel: channel,
        traceOutputChannel: channel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: { [serverId]: serverSettings(settings) },
        middleware: {
            workspace: {
                // The server may pull its section; answer with what it understands, not the raw
                // editor settings (where an empty `select` means "unset").
                configuration: async (params, token, next) => {
                    const raw = await next(params, token);
                    if (!Array.isArray(raw)) {
                        return raw;
                    }
                    const current = await getWorkspaceSettings(serverId, primaryFolder());
                    setTimeout(() => void notebooks.pullAll(getNotebookDocuments()), NOTEBOOK_REPULL_DELAY_MS);
                    return params.items.map((item, i) => (item.section === serverId ? serverSettings(current) : raw[i]));
                },
            },
            notebooks: notebooks.middleware(),
        },
    };
    return new LanguageClient(serverId, serverName, serverOptions, clientOptions);
}

/** Stops the running server (if any) and starts a new one with the current settings. */
export async function restartServer(
    serverId: string,
    serverName: string,
    channel: LogOutputChannel,
    previous: LanguageClient | undefined,
    notebooks: NotebookDiagnostics,
): Promise<LanguageClient | undefined> {
    notebooks.attach(undefined);
    if (previous) {
        traceInfo('Stopping server');
        try {
            await previous.stop();
        } catch (error) {
            traceError('Server stop failed:', error);
        }
    }
    const settings = await getWorkspaceSettings(serverId, primaryFolder());
    if (!settings.enable) {
        traceLog('pt-lsp.enable is false: the server is not started.');
        return undefined;
    }
    if (settings.path.length === 0 && !(await moduleImports(settings.interpreter, settings.cwd))) {
        // Not awaited: the notification stays until dismissed, and restarts must not wait on it.
        void reportMissing(settings.interpreter);
        return undefined;
    }
    notificationLevel = settings.showNotifications;
    const client = await createServer(settings, serverId, serverName, channel, notebooks);
    notebooks.attach(client);
    try {
        await client.start();
        // Replaces the client's default handler, which only logs.
        client.onNotification(LogMessageNotification.type, (params) => notify(channel, params));
        traceInfo('Server started');
        return client;
    } catch (error) {
        notebooks.attach(undefined);
        traceError('Server failed to start:', error);
        void showErrorMessage('pt-lsp: the server failed to start. See "pt-lsp: Show Output".');
        return undefined;
    }
}

/** Sends changed settings to a running server (workspace/didChangeConfiguration). */
export async function sendSettings(client: LanguageClient, serverId: string): Promise<void> {
    const settings = await getWorkspaceSettings(serverId, primaryFolder());
    await client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [serverId]: serverSettings(settings) },
    });
    notificationLevel = settings.showNotifications;
}
