// The only module that calls the `vscode` API directly for workspace, window and command
// access, so that the rest can be read (and stubbed) without an editor around it.
import {
    commands,
    ConfigurationScope,
    DiagnosticCollection,
    Disposable,
    extensions,
    languages,
    LogOutputChannel,
    NotebookDocument,
    Uri,
    window,
    workspace,
    WorkspaceConfiguration,
    WorkspaceFolder,
} from 'vscode';

export function createOutputChannel(name: string): LogOutputChannel {
    return window.createOutputChannel(name, { log: true });
}

export function getConfiguration(section: string, scope?: ConfigurationScope): WorkspaceConfiguration {
    return workspace.getConfiguration(section, scope);
}

export function registerCommand(command: string, callback: (...args: unknown[]) => unknown): Disposable {
    return commands.registerCommand(command, callback);
}

export const onDidChangeConfiguration = workspace.onDidChangeConfiguration;

export function isVirtualWorkspace(): boolean {
    const folders = workspace.workspaceFolders ?? [];
    return folders.length > 0 && folders.every((f) => f.uri.scheme !== 'file');
}

export function getWorkspaceFolders(): readonly WorkspaceFolder[] {
    return workspace.workspaceFolders ?? [];
}

export function getWorkspaceFolder(uri: Uri): WorkspaceFolder | undefined {
    return workspace.getWorkspaceFolder(uri);
}

export function getExtension<T>(id: string) {
    return extensions.getExtension<T>(id);
}

export function showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined> {
    return window.showErrorMessage(message, ...items);
}

export function showWarningMessage(message: string, ...items: string[]): Thenable<string | undefined> {
    return window.showWarningMessage(message, ...items);
}

export function showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined> {
    return window.showInformationMessage(message, ...items);
}

export async function copyToClipboard(text: string): Promise<void> {
    const { env } = await import('vscode');
    await env.clipboard.writeText(text);
}

export function createDiagnosticCollection(name: string): DiagnosticCollection {
    return languages.createDiagnosticCollection(name);
}

export function getNotebookDocuments(): readonly NotebookDocument[] {
    return workspace.notebookDocuments;
}
