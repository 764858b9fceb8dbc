"""Only the optional C speed-up lives here; the project's metadata is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and feedvault uses the
pure-Python tokenizer in feedvault/search/tokens.py (same output, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "feedvault.search._ctokens",
            ["src/feedvault/search/_ctokens.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
