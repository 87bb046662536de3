"""Configuration: the schema (:mod:`roadsync.config.model`), loading and validation.

:func:`roadsync.config.load.load_settings` reads the TOML file, resolves paths and tokens and
checks everything at once (:mod:`roadsync.config.checks`, with :mod:`roadsync.config.source`
saying where in the file each problem is). Every stage reads the validated settings; the schema
module has no I/O so connectors can take its objects without importing the loader.
"""
