// Diagnostics for Jupyter notebook cells.
// vscode-languageclient 9 pulls diagnostics (textDocument/diagnostic) only for documents it syncs
// as text documents, never for cells synced through notebookDocument/*, and pt-lsp does not push
// to a client that can pull. So after each notebook sync message reaches the server, this pulls
// every Python cell of that notebook itself (a change in one cell can change its successors').
import { Diagnostic, DiagnosticCollection, Disposable, NotebookCellKind, NotebookDocument } from 'vscode';
import {
    DocumentDiagnosticReportKind,
    DocumentDiagnosticRequest,
    LanguageClient,
    NotebookDocumentMiddleware,
} from 'vscode-languageclient/node';
import { traceError } from './logging';
import { createDiagnosticCollection } from './vscodeapi';

type NotebookMiddleware = NonNullable<NotebookDocumentMiddleware['notebooks']>;

const CHANGE_DELAY_MS = 150;

export class NotebookDiagnostics implements Disposable {
    private readonly collection: DiagnosticCollection;
    private client: LanguageClient | undefined;
    // Each pull round has a number; a slower older round must not overwrite a newer one.
    private readonly rounds = new Map<string, number>();
    // While a user types in a cell, pull once the typing pauses rather than on every keystroke.
    private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

    constructor(name: string) {
        this.collection = createDiagnosticCollection(name);
    }

    attach(client: LanguageClient | undefined): void {
        this.client = client;
        this.collection.clear();
    }

    /** Hooks for LanguageClientOptions.middleware.notebooks. */
    middleware(): NotebookMiddleware {
        return {
            didOpen: async (notebook, cells, next) => {
                await next(notebook, cells);
                void this.pull(notebook);
            },
            didChange: async (event, next) => {
                await next(event);
                this.pullSoon(event.notebook);
            },
            didClose: async (notebook, cells, next) => {
                await next(notebook, cells);
                clearTimeout(this.pending.get(notebook.uri.toString()));
                this.rounds.delete(notebook.uri.toString());
                for (const cell of cells) {
                    this.collection.delete(cell.document.uri);
                }
            },
        };
    }

    /** Pulls every open notebook again (after a settings change). */
    async pullAll(notebooks: readonly NotebookDocument[]): Promise<void> {
        await Promise.all(notebooks.filter((n) => this.rounds.has(n.uri.toString())).map((n) => this.pull(n)));
    }

    private pullSoon(notebook: NotebookDocument): void {
        const key = notebook.uri.toString();
        clearTimeout(this.pending.get(key));
        this.pending.set(
            key,
            setTimeout(() => {
                this.pending.delete(key);
                void this.pull(notebook);
            }, CHANGE_DELAY_MS),
        );
    }

    private async pull(notebook: NotebookDocument): Promise<void> {
        const client = this.client;
        if (!client) {
            return;
        }
        const key = notebook.uri.toString();
        const round = (this.rounds.get(key) ?? 0) + 1;
        this.rounds.set(key, round);
        const cells = notebook.getCells().filter((c) => c.kind === NotebookCellKind.Code && c.document.languageId === 'python');
        try {
            const results = await Promise.all(
                cells.map(async (cell): Promise<[typeof cell, Diagnostic[]]> => {
                    const uri = client.code2ProtocolConverter.asUri(cell.document.uri);
                    const report = await client.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
                    const items = report.kind === DocumentDiagnosticReportKind.Full ? report.items : [];
                    return [cell, await client.protocol2CodeConverter.asDiagnostics(items)];
                }),
            );
            if (this.rounds.get(key) !== round || this.client !== client) {
                return; // a newer pull (or a restarted server) has taken over
            }
            for (const [cell, diagnostics] of results) {
                this.collection.set(cell.document.uri, diagnostics);
            }
        } catch (error) {
            traceError(`Pulling diagnostics for ${key} failed:`, error);
        }
    }

    dispose(): void {
        this.pending.forEach((timer) => clearTimeout(timer));
        this.collection.dispose();
    }
}
