"""Whole-page cache of published installments for anonymous readers.

A published version never changes, but an installment page also links to its neighbours, so a
series has one generation token in the cache: publishing or withdrawing any installment of the
series starts a new generation and every cached page of it is left to expire. Pages live
PAGE_TTL seconds at most, which bounds staleness in processes that do not share the cache
(set CACHE_URL to a shared cache in production).
"""

import uuid

from django.core.cache import cache

PAGE_TTL = 60


def _generation_key(slug: str) -> str:
    return f"publishing:generation:{slug}"


def page_key(*, slug: str, number: int, language: str) -> str:
    generation = cache.get_or_set(_generation_key(slug), lambda: uuid.uuid4().hex, None)
    return f"publishing:page:{slug}:{generation}:{number}:{language}"


def series_changed(slug: str) -> None:
    cache.set(_generation_key(slug), uuid.uuid4().hex, None)
