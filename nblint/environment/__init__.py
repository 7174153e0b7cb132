"""A notebook's declared environment: requirement files, lock files, import names, the Dockerfile.

Import from the submodules (`nblint.environment.sources.discover`, ...); this package stays empty
so that importing one part never loads the others.
"""
