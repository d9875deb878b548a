"""hedgexl: crypto hedging math for Excel and Python.

The plain Python API is re-exported here from :mod:`hedgexl.core`::

    >>> import hedgexl as hx
    >>> hx.hedge_contracts(5 * 50_000, "BINANCE:BTCUSD_PERP", hedge_ratio=0.25)
    -625.0
"""

from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all

__version__ = "0.1.0"
__all__ = list(_core_all) + ["__version__"]
