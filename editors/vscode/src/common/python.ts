// The Python extension's active interpreter, when that extension is installed.
// Typed by hand (the few members used) so the extension has no build dependency on it.
import { Disposable, Event, EventEmitter, Uri } from 'vscode';
import { PYTHON_EXTENSION_ID } from './constants';
import { traceError, traceLog } from './logging';
import { getExtension } from './vscodeapi';

interface EnvironmentPath {
    id: string;
    path: string;
}

interface ResolvedEnvironment {
    executable: { uri?: Uri };
}

interface PythonExtensionApi {
    environments: {
        getActiveEnvironmentPath(resource?: Uri): EnvironmentPath;
        resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
        onDidChangeActiveEnvironmentPath: Event<unknown>;
    };
}

const onDidChangePythonInterpreterEvent = new EventEmitter<void>();
export const onDidChangePythonInterpreter: Event<void> = onDidChangePythonInterpreterEvent.event;

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
    const extension = getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        const api = extension.isActive ? extension.exports : await extension.activate();
        return api?.environments ? api : undefined;
    } catch (error) {
        traceError('Could not activate the Python extension:', error);
        return undefined;
    }
}

/** Follows interpreter changes in the Python extension, so the server moves with them. */
export async function initializePython(disposables: Disposable[]): Promise<void> {
    const api = await pythonApi();
    if (!api) {
        traceLog(`${PYTHON_EXTENSION_ID} is not installed: using the pt-lsp.interpreter setting or python3.`);
        return;
    }
    disposables.push(
        onDidChangePythonInterpreterEvent,
        api.environments.onDidChangeActiveEnvironmentPath(() => onDidChangePythonInterpreterEvent.fire()),
    );
}

export async function getInterpreterDetails(resource?: Uri): Promise<{ path?: string[] }> {
    const api = await pythonApi();
    if (!api) {
        return {};
    }
    try {
        const environment = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
        const executable = environment?.executable.uri?.fsPath;
        return executable ? { path: [executable] } : {};
    } catch (error) {
        traceError('Could not resolve the active Python environment:', error);
        return {};
    }
}
