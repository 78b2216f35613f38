"""How partnergraph's log lines look: one line per record, control characters escaped.

Only the edges (`cli`, `app`, `partnergraph serve`) install handlers; every module logs through
`logging.getLogger(__name__)`. Whatever a record carries (a client's IRI, a query excerpt, a traceback),
line breaks and other control characters come out as `\\n`, `\\u001b`..., so no input can forge a line.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_CONTROLS = {code: f"\\u{code:04x}" for code in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029]}
_CONTROLS.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def escape_controls(text: str) -> str:
    """`text` with every control character (line breaks included) written as an escape."""
    return text.translate(_CONTROLS)


class OneLineFormatter(logging.Formatter):
    """A formatter whose every record is one line: message, arguments and traceback escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Send every record at `level` and above to `stream` (stderr) as one escaped line."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def uvicorn_log_config(level: str = "info") -> dict:
    """A logging configuration for `uvicorn.run`: its loggers, and ours, through the one-line formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"one_line": {"()": OneLineFormatter, "fmt": FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "one_line",
                                "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "partnergraph": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }
