"""What every page view shares: login for full pages and htmx requests, full page or partial rendering."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def login_required(view):
    """Like Django's, but an htmx request of an expired session reloads the whole page on the login form."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if getattr(request, "htmx", False):
            login = resolve_url(settings.LOGIN_URL)
            current = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(f"{login}?{urlencode({'next': current})}")
        return redirect_to_login(request.get_full_path())

    return wrapper


def render_page(request, template: str, context: dict, *, partials: dict[str, str] | None = None, status: int = 200):
    """Render the whole page, or for an htmx request the partial of the target it swaps.

    `partials` maps an htmx target id to a `{% partialdef %}` name; `main` -> `content` always applies.
    A history-restore request (back button after a cache miss) gets the whole page.
    """
    name = template
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        partial = {"main": "content", **(partials or {})}.get(htmx.target or "")
        if partial:
            name = f"{template}#{partial}"
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def int_or_none(value) -> int | None:
    """An integer from a query parameter, None when absent or not a number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
