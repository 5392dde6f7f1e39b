"""What tools/docs_hooks.py does to the site, one module per job.

mkdocs loads tools/docs_hooks.py with tools/ on the import path, so the hooks
import this package; the docs checks (tests/docs) import it the same way.
"""
