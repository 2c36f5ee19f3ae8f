"""Labels that carry both languages in code (used for long reference lists such as nationalities)."""

from django.utils.functional import lazy
from django.utils.translation import get_language


def _pick(en: str, zh: str) -> str:
    return zh if (get_language() or "zh-hans").startswith("zh") else en


bilingual = lazy(_pick, str)
