from pt_lsp.cli import main

raise SystemExit(main())
