// Names shared by the extension's modules: one place to rename the server or its module.
export const SERVER_ID = 'pt-lsp';
export const SERVER_NAME = 'pt-lsp';
export const SERVER_MODULE = 'pt_lsp';
export const PYTHON_EXTENSION_ID = 'ms-python.python';
