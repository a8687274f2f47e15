"""`pt-lsp run`: the user's own program run in-process under runtime checks (torch's public hooks).

``command`` parses the command line; ``session`` runs the program with the checks of ``checks``
installed and records findings through ``recorder``; ``crosscheck`` sets them beside the static
findings of the files that ran; ``output`` writes the report.
"""
