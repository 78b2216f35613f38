"""`python bench/http.py ...`: the HTTP service benchmark under the name the issue gives it.

The benchmark itself is `bench/http_service.py` (same options). A script named `http.py` in `bench/` would
shadow the standard library's `http` package for everything `bench/` imports, so this entry point takes
`bench/` off the import path, imports the standard `http` modules (cached from then on), puts `bench/` back
and runs `http_service.py` as the main program.
"""

import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
_saved = list(sys.path)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
import http.client  # noqa: E402,F401 - the standard library's
import http.cookies  # noqa: E402,F401
import http.server  # noqa: E402,F401
import runpy  # noqa: E402

sys.path[:] = _saved

if __name__ == "__main__":
    runpy.run_path(str(_BENCH / "http_service.py"), run_name="__main__")
