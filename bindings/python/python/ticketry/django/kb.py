"""Seed 003's knowledge base (``kb/``) and seed 000's article suggestions as
JSON views: signed-in readers see published articles in their language
(``?lang=``, default the workspace's locale) with ``?fallback=`` for the
untranslated ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from .. import Article, ArticleHit
from .views import ApiError, Call, _iso, endpoint, instant_param

__all__ = ["article_json"]


def article_json(a: Article, *, full: bool = True) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "id": a.id,
        "slug": a.slug,
        "title": a.title,
        "excerpt": a.excerpt,
        "language": a.language,
        "category": a.category,
        "tags": list(a.tags),
        "meta_description": a.meta_description,
        "published_at": _iso(a.publish_at or a.updated_at),
    }
    if full:
        data["content"] = a.body
        data["html"] = a.html
    return data


def _hit(h: ArticleHit) -> Dict[str, Any]:
    return {**article_json(h.article, full=False), "score": h.score}


def _languages(c: Call) -> "tuple[str, Optional[str]]":
    lang = c.request.GET.get("lang") or c.desk.info().settings.locale
    return lang, c.request.GET.get("fallback") or None


def articles(c: Call) -> Any:
    lang, _ = _languages(c)
    filters: Dict[str, Any] = {"language": lang, "visible": True}
    if c.request.GET.get("category"):
        filters["category"] = c.request.GET["category"]
    return 200, [article_json(a, full=False) for a in c.desk.list_articles(filter=filters)]


def categories(c: Call) -> Any:
    lang, _ = _languages(c)
    return 200, [
        {"id": x.id, "slug": x.slug, "name": x.name, "icon": x.icon, "parent": x.parent, "order": x.position,
         "faq": x.faq}
        for x in c.desk.list_kb_categories(language=lang) if x.active
    ]


def search(c: Call) -> Any:
    lang, fallback = _languages(c)
    return 200, [_hit(h) for h in c.desk.search_articles(c.request.GET.get("q", ""), lang, fallback=fallback)]


def suggest(c: Call) -> Any:
    """Articles that may answer a ticket's subject before it is sent (seed
    000). What a customer is shown is recorded: sending ``suggestion_id``
    with the ticket they open anyway counts it as not deflected."""
    lang, fallback = _languages(c)
    text = c.request.GET.get("q") or c.request.GET.get("subject") or ""
    if not text.strip():
        raise ApiError(400, "invalid_input", "q is required", "q")
    s = c.desk.suggest_articles(text, lang, fallback=fallback, shown_to=None if c.staff else c.me.id)
    return 200, {"suggestion_id": s.id, "results": [_hit(h) for h in s.articles]}


def deflection(c: Call) -> Any:
    """How suggestions deflected tickets (staff): ``?since=``/``?until=``
    (ISO 8601 instants; default the last 30 days), overall and per article."""
    # Default: up to now included (what was recorded earlier in this
    # microsecond is before the next one).
    until = instant_param(c, "until", datetime.now(timezone.utc) + timedelta(microseconds=1))
    since = instant_param(c, "since", until - timedelta(days=30))
    r = c.desk.deflection_report(since, until)
    return 200, {
        "since": _iso(since),
        "until": _iso(until),
        "shown": r.shown,
        "tickets_opened": r.tickets_opened,
        "deflection_rate": r.deflection_rate,
        "articles": [
            {"id": a.article, "title": a.title, "shown": a.shown, "tickets_opened": a.tickets_opened,
             "deflection_rate": a.deflection_rate}
            for a in r.articles
        ],
    }


def read(c: Call, slug: str) -> Any:
    lang, fallback = _languages(c)
    return 200, article_json(c.desk.read_article(slug, lang, fallback=fallback))


def helpful(c: Call, article: str) -> Any:
    data = c.body()
    vote = data.get("helpful", True)
    if vote is not None and not isinstance(vote, bool):
        raise ApiError(400, "invalid_input", "helpful must be true, false or null", "helpful")
    s = c.desk.vote_article(article, c.me.id, vote)
    return 200, {"helpful_count": s.helpful, "not_helpful_count": s.not_helpful, "views": s.views}


articles_view = endpoint(GET=("list_articles", articles))
categories_view = endpoint(GET=("list_articles", categories))
search_view = endpoint(GET=("list_articles", search))
suggest_view = endpoint(GET=("list_articles", suggest))
deflection_view = endpoint(GET=("view_stats", deflection))
article_view = endpoint(GET=("view_article", read))
helpful_view = endpoint(POST=("vote_article", helpful))
