"""``roadsync init``: discover a site's projects, repositories and fields; write a starter config.

:mod:`roadsync.init.discover` reads (never writes) what a first config needs;
:mod:`roadsync.init.render` turns it into commented TOML.
"""
