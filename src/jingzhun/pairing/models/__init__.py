"""Pairing models: partnerships, agreements, funds and projects (core), the other ledgers, claims and assessment."""

from .core import *  # noqa: F403
from .core import AREA_KINDS, CENT, PROJECT_ORDER, money_by  # noqa: F401
from .ledgers import *  # noqa: F403
from .review import *  # noqa: F403
