"""Only the optional C speed-ups live here; the project's metadata is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and feedvault uses the
pure-Python twins in feedvault/search/tokens.py and feedvault/clean/text.py (same
output, slower).
"""

from setuptools import Extension, setup


def _speedup(name: str, source: str) -> Extension:
    return Extension(
        name,
        [source],
        optional=True,
        include_dirs=["src/feedvault"],
        depends=["src/feedvault/ucs4buf.h"],
        extra_compile_args=["-O2"],
    )


setup(
    ext_modules=[
        _speedup("feedvault.search._ctokens", "src/feedvault/search/_ctokens.c"),
        _speedup("feedvault.clean._ctext", "src/feedvault/clean/_ctext.c"),
    ]
)
