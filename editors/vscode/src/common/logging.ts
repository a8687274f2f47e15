// One log channel for the extension and the server: "pt-lsp: Show Output" reveals it.
import * as util from 'util';
import { Disposable, LogOutputChannel } from 'vscode';

let channel: LogOutputChannel | undefined;

export function registerLogger(logChannel: LogOutputChannel): Disposable {
    channel = logChannel;
    return { dispose: () => (channel = undefined) };
}

function format(messages: unknown[]): string {
    return messages.map((m) => (typeof m === 'string' ? m : util.inspect(m))).join(' ');
}

export function traceLog(...messages: unknown[]): void {
    channel?.appendLine(format(messages));
}

export function traceError(...messages: unknown[]): void {
    channel?.error(format(messages));
}

export function traceWarn(...messages: unknown[]): void {
    channel?.warn(format(messages));
}

export function traceInfo(...messages: unknown[]): void {
    channel?.info(format(messages));
}

export function traceVerbose(...messages: unknown[]): void {
    channel?.debug(format(messages));
}
