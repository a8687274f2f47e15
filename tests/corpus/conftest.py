# The corpus files are linted, never run or collected as tests.
collect_ignore_glob = ["files/*"]
