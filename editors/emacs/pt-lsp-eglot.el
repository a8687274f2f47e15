;;; pt-lsp-eglot.el --- pt-lsp with Eglot  -*- lexical-binding: t; -*-

;;; Commentary:
;; Runs the pt-lsp language server for Python buffers through Eglot (built into Emacs 29+;
;; on Emacs 28 install the `eglot' package, e.g. Debian's elpa-eglot).
;; Load it from your init file:  (load "/path/to/pt-lsp-eglot.el")
;; then `M-x eglot' in a Python buffer, or keep the hook below to start it automatically.
;; Eglot runs one server per major mode and project: this entry replaces the default Python
;; server (pylsp, pyright...) for python-mode; to run both, put an LSP multiplexer in between.

;;; Code:

(require 'eglot)

(defgroup pt-lsp nil
  "PyTorch autograd and device checks through the pt-lsp language server."
  :group 'tools)

(defcustom pt-lsp-python-command "python3"
  "Python interpreter with pt-lsp installed (your project's virtualenv python)."
  :type 'string)

(defcustom pt-lsp-settings '(:pt-lsp (:ignore []))
  "Settings sent as `eglot-workspace-configuration' (section \"pt-lsp\").
Keys :select and :ignore (vectors of rule codes or prefixes), :severity (a plist
such as (:PTL1 \"hint\")), :fixAll and :unsafeFixes.  Leave :select out to keep
the project's [tool.pt-lsp] choice (an empty :select [] would enable no rule)."
  :type 'sexp)

(defun pt-lsp--contact (_interactive)
  "The command that starts pt-lsp in stdio mode."
  (list pt-lsp-python-command "-m" "pt_lsp" "server"))

(add-to-list 'eglot-server-programs
             '((python-mode python-ts-mode) . pt-lsp--contact))

(setq-default eglot-workspace-configuration pt-lsp-settings)

(add-hook 'python-mode-hook #'eglot-ensure)
(add-hook 'python-ts-mode-hook #'eglot-ensure)

(provide 'pt-lsp-eglot)
;;; pt-lsp-eglot.el ends here
