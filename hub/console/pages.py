"""The console's pages: one HTML shell each, which loads the shared stylesheet, ECharts where
a page draws a chart, and the page's own JS module. The page fills itself from the ``/v1`` API;
nothing here reads data, so a page's HTML is the same for everyone and holds nothing private."""

from __future__ import annotations

from html import escape

__all__ = ["LENIENT_QUERY", "PAGES", "page_html"]

#: an attribute set True on a page's endpoint: its unknown query parameters are let through
#: (:mod:`hub.api.middleware` refuses them on the API's routes only: a page's
#: address may carry ``?lang=en`` or ``?utm_source=``; the page reads what it knows, and the API
#: it calls checks that)
LENIENT_QUERY = "hub_lenient_query"

#: path → page name (its module is ``static/js/<name>.js``)
PAGES = {
    "/": "map",
    "/scorecards": "scorecards",
    "/queues": "queues",
    "/trace": "trace",
    "/dossier": "dossier",
    "/equipment": "equipment",
    "/status": "status",
    "/audit": "audit",
    "/signin": "signin",
}
_CHARTS = frozenset({"map", "scorecards"})
_TITLES = {
    "map": "一张图",
    "scorecards": "监管的监管",
    "queues": "队列",
    "trace": "追溯",
    "dossier": "一企一档",
    "equipment": "一码追溯",
    "status": "状态与对账",
    "audit": "审计核验",
    "signin": "登录",
}


def page_html(page: str) -> str:
    """The HTML shell of ``page`` (Chinese first; the page's script switches to English when the
    reader chose it)."""
    charts = (
        '<script src="/static/vendor/echarts/echarts.min.js" defer></script>\n'
        if page in _CHARTS
        else ""
    )
    title = escape(_TITLES[page])
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 监管数据中心</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/console.css">
{charts}<script type="module" src="/static/js/{page}.js"></script>
</head>
<body data-page="{page}">
<header id="top"></header>
<main id="main"><p class="loading">加载中… / Loading…</p></main>
</body>
</html>
"""
