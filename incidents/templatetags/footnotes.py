"""Unique ids for footnote references, and the links back from each source to them.

``{% footnote_ref n as ref %}`` gives the next id for a citation of footnote ``n`` on the
page being rendered ("ref-3-1", "ref-3-2", ...); ``{% footnote_backrefs n as refs %}``
gives every id handed out for ``n`` so far, so the sources list (rendered last) can link
back to each place that cites it. The ids live on the render's root context, shared by
every included template of one page and by no other page.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

_KEY = "_footnote_refs"


def _refs(context: Any) -> dict[str, list[str]]:
    root = context.dicts[0]
    if _KEY not in root:
        root[_KEY] = {}
    refs: dict[str, list[str]] = root[_KEY]
    return refs


@register.simple_tag(takes_context=True)
def footnote_ref(context: Any, number: Any) -> str:
    """The page-unique id of this citation of footnote ``number``."""
    refs = _refs(context).setdefault(str(number), [])
    ref = f"ref-{number}-{len(refs) + 1}"
    refs.append(ref)
    return ref


@register.simple_tag(takes_context=True)
def footnote_backrefs(context: Any, number: Any) -> list[str]:
    """The ids of the citations of footnote ``number`` rendered so far on this page."""
    return list(_refs(context).get(str(number), []))
