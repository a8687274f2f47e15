// Pure decisions about how to launch and configure the server: no `vscode` import, so that
// unit tests run them under plain node.

export type NotificationLevel = 'off' | 'onError' | 'onWarning' | 'always';

/** The extension's settings for one workspace folder, variables already resolved. */
export interface ISettings {
    enable: boolean;
    cwd: string;
    interpreter: string[];
    path: string[];
    args: string[];
    select: string[];
    ignore: string[];
    severity: Record<string, string>;
    fixAll: boolean;
    unsafeFixes: boolean;
    extendSelect: string[];
    exclude: string[];
    configuration: string | Record<string, unknown> | null;
    runtimeFindings: boolean;
    timeBudget: number;
    debounce: number;
    lintInThread: boolean;
    showNotifications: NotificationLevel;
}

/** What the server reads (its `pt-lsp` settings section); launch-only keys stay here. */
export interface ServerSettings {
    select?: string[];
    ignore?: string[];
    severity: Record<string, string>;
    fixAll: boolean;
    unsafeFixes: boolean;
    extendSelect: string[];
    exclude: string[];
    configuration?: string | Record<string, unknown>;
    runtimeFindings: boolean;
    timeBudget: number;
    debounce: number;
    lintInThread: boolean;
}

export interface Command {
    command: string;
    args: string[];
}

export const FALLBACK_INTERPRETER = 'python3';

/**
 * The interpreter that runs the server: the explicit setting, else the Python extension's
 * active interpreter, else `python3`.
 */
export function chooseInterpreter(configured: string[], fromPythonExtension: string[] | undefined): string[] {
    if (configured.length > 0) {
        return configured;
    }
    if (fromPythonExtension && fromPythonExtension.length > 0) {
        return fromPythonExtension;
    }
    return [FALLBACK_INTERPRETER];
}

/** `<path> server <args>` when a pt-lsp executable is configured, else `<interpreter> -m pt_lsp server <args>`. */
export function serverCommand(settings: Pick<ISettings, 'interpreter' | 'path' | 'args'>, module: string): Command {
    if (settings.path.length > 0) {
        const [command, ...rest] = settings.path;
        return { command, args: [...rest, 'server', ...settings.args] };
    }
    const [command, ...rest] = settings.interpreter.length > 0 ? settings.interpreter : [FALLBACK_INTERPRETER];
    return { command, args: [...rest, '-m', module, 'server', ...settings.args] };
}

/** The command that tells whether the module imports in the chosen interpreter. */
export function importCheckCommand(interpreter: string[], module: string): Command {
    const [command, ...rest] = interpreter.length > 0 ? interpreter : [FALLBACK_INTERPRETER];
    return { command, args: [...rest, '-c', `import ${module}`] };
}

/** The pip command a user runs to install pt-lsp into that interpreter. */
export function installHint(interpreter: string[]): string {
    const python = (interpreter.length > 0 ? interpreter : [FALLBACK_INTERPRETER]).map(quoteArg).join(' ');
    return `${python} -m pip install pt-lsp`;
}

function quoteArg(arg: string): string {
    return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The settings section sent to the server. An empty `select` is left out: for the server an
 * empty list would select no rule, while in the editor it means "not set". An empty `ignore`
 * and an unset `configuration` are left out too, so that the project's `[tool.pt-lsp]` applies.
 */
export function serverSettings(settings: ISettings): ServerSettings {
    const values: ServerSettings = {
        severity: settings.severity,
        fixAll: settings.fixAll,
        unsafeFixes: settings.unsafeFixes,
        extendSelect: settings.extendSelect,
        exclude: settings.exclude,
        runtimeFindings: settings.runtimeFindings,
        timeBudget: settings.timeBudget,
        debounce: settings.debounce,
        lintInThread: settings.lintInThread,
    };
    if (settings.select.length > 0) {
        values.select = settings.select;
    }
    if (settings.ignore.length > 0) {
        values.ignore = settings.ignore;
    }
    const configuration = settings.configuration;
    if (configuration !== null && (typeof configuration !== 'string' || configuration.trim() !== '')) {
        values.configuration = configuration;
    }
    return values;
}

/** Settings whose change needs a new server process rather than a configuration message. */
export const LAUNCH_KEYS = ['enable', 'interpreter', 'path', 'args', 'trace.server'] as const;
/** Settings the running server takes on the fly. */
export const LIVE_KEYS = [
    'select',
    'ignore',
    'severity',
    'fixAll',
    'unsafeFixes',
    'extendSelect',
    'exclude',
    'configuration',
    'runtimeFindings',
    'timeBudget',
    'debounce',
    'lintInThread',
    'showNotifications',
] as const;

/** Replaces ${workspaceFolder}, ${userHome}, ${cwd} and ${env:NAME} in each value. */
export function resolveVariables(
    values: string[],
    vars: { workspaceFolder?: string; userHome: string; cwd: string; env: Record<string, string | undefined> },
): string[] {
    return values.map((value) =>
        value.replace(/\$\{(workspaceFolder|userHome|cwd|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
            if (envName !== undefined) {
                return vars.env[envName] ?? '';
            }
            if (name === 'workspaceFolder') {
                return vars.workspaceFolder ?? match;
            }
            return name === 'userHome' ? vars.userHome : vars.cwd;
        }),
    );
}

// LSP MessageType: Error = 1, Warning = 2, Info = 3, Log = 4.
const THRESHOLD: Record<NotificationLevel, number> = { off: 0, onError: 1, onWarning: 2, always: 3 };

/** Whether a server log message of this LSP MessageType becomes a notification. */
export function shouldNotify(level: NotificationLevel, messageType: number): boolean {
    return messageType >= 1 && messageType <= (THRESHOLD[level] ?? THRESHOLD.onError);
}

export function asNotificationLevel(value: unknown): NotificationLevel {
    return value === 'off' || value === 'onWarning' || value === 'always' ? value : 'onError';
}
