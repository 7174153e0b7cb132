"""`nblint server`: a language server (LSP 3.17) for notebooks, scripts and requirement files.

Importing this package costs nothing: pygls is imported by `nblint.server.main` only.
"""
