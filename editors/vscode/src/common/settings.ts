// Reads the `pt-lsp.*` settings of a workspace folder and tells which changes matter.
import * as os from 'os';
import { ConfigurationChangeEvent, WorkspaceConfiguration, WorkspaceFolder } from 'vscode';
import { getInterpreterDetails } from './python';
import { asNotificationLevel, chooseInterpreter, ISettings, LAUNCH_KEYS, LIVE_KEYS, resolveVariables } from './launch';
import { getConfiguration, getWorkspaceFolders } from './vscodeapi';

function stringList(config: WorkspaceConfiguration, key: string): string[] {
    const value = config.get<unknown>(key);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringMap(config: WorkspaceConfiguration, key: string): Record<string, string> {
    const value = config.get<unknown>(key);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return {};
    }
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function numberIn(config: WorkspaceConfiguration, key: string, fallback: number, max: number): number {
    const value = config.get<unknown>(key);
    return typeof value === 'number' && value >= 0 && value <= max ? value : fallback;
}

/** A file path (variables resolved) or an inline table of settings; null when unset. */
function configurationOf(config: WorkspaceConfiguration, vars: Parameters<typeof resolveVariables>[1]): ISettings['configuration'] {
    const value = config.get<unknown>('configuration');
    if (typeof value === 'string') {
        return value.trim() === '' ? null : resolveVariables([value], vars)[0];
    }
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Settings for a workspace folder (or the user's, with no folder open). */
export async function getWorkspaceSettings(namespace: string, folder: WorkspaceFolder | undefined): Promise<ISettings> {
    const config = getConfiguration(namespace, folder?.uri);
    const vars = {
        workspaceFolder: folder?.uri.fsPath,
        userHome: os.homedir(),
        cwd: folder?.uri.fsPath ?? process.cwd(),
        env: process.env,
    };
    const configured = resolveVariables(stringList(config, 'interpreter'), vars);
    const fromPython = configured.length > 0 ? undefined : (await getInterpreterDetails(folder?.uri)).path;
    return {
        enable: config.get<boolean>('enable', true),
        cwd: vars.cwd,
        interpreter: chooseInterpreter(configured, fromPython),
        path: resolveVariables(stringList(config, 'path'), vars),
        args: resolveVariables(stringList(config, 'args'), vars),
        select: stringList(config, 'select'),
        ignore: stringList(config, 'ignore'),
        severity: stringMap(config, 'severity'),
        fixAll: config.get<boolean>('fixAll', true),
        unsafeFixes: config.get<boolean>('unsafeFixes', false),
        extendSelect: stringList(config, 'extendSelect'),
        exclude: stringList(config, 'exclude'),
        configuration: configurationOf(config, vars),
        runtimeFindings: config.get<boolean>('runtimeFindings', false),
        timeBudget: numberIn(config, 'timeBudget', 5, 600),
        debounce: numberIn(config, 'debounce', 150, 60000),
        lintInThread: config.get<boolean>('lintInThread', true),
        showNotifications: asNotificationLevel(config.get<string>('showNotifications')),
    };
}

/** One server serves the whole window: it takes the settings of the first folder. */
export function primaryFolder(): WorkspaceFolder | undefined {
    return getWorkspaceFolders()[0];
}

export function launchSettingsChanged(e: ConfigurationChangeEvent, namespace: string): boolean {
    return LAUNCH_KEYS.some((key) => e.affectsConfiguration(`${namespace}.${key}`));
}

export function liveSettingsChanged(e: ConfigurationChangeEvent, namespace: string): boolean {
    return LIVE_KEYS.some((key) => e.affectsConfiguration(`${namespace}.${key}`));
}
