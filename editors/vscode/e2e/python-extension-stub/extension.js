// Stands in for ms-python.python in the end-to-end test (the real one is not installable
// offline): the members of its `environments` API that pt-lsp's extension uses.
const vscode = require('vscode');

exports.activate = function activate() {
    const active = process.env.PT_LSP_E2E_ACTIVE_PYTHON;
    const changed = new vscode.EventEmitter();
    return {
        environments: {
            getActiveEnvironmentPath: () => ({ id: active, path: active }),
            resolveEnvironment: async () => (active ? { executable: { uri: vscode.Uri.file(active) } } : undefined),
            onDidChangeActiveEnvironmentPath: changed.event,
        },
    };
};
