"""Each language's site searches its own pages.

mkdocs-static-i18n 1.3 writes one search index for all languages, and Material
for MkDocs fetches it from ``{base}/search/search_index.json``, where ``base`` is
the site root from the page's ``__config``. So, after the build, the index is
split into one per language (the default language's at the site root, each
other language's under its folder, e.g. ru/search/), and each translated page's
``base`` points at its language's folder. Search result locations are relative
to that ``base``, so they lose their language prefix. Nothing else in Material
reads ``base`` unless instant navigation or versioning is on (both off here).
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

from jinja2.utils import htmlsafe_json_dumps

from docsite.languages import Languages

INDEX = "search/search_index.json"
CONFIG_SCRIPT = re.compile(
    r'(?P<open><script id="__config" type="application/json">)(?P<json>.*?)(?P<close></script>)',
    re.DOTALL,
)


def language_index(index: dict, language: str, languages: Languages) -> dict:
    prefix = languages.prefix(language)
    docs = [
        {**doc, "location": doc["location"][len(prefix) :]}
        for doc in index["docs"]
        if languages.of_url(doc["location"]) == language
    ]
    # The stemmers and stop words of the language, and English for the code in the text.
    lang = [code for code in index["config"]["lang"] if code in {language, languages.default}]
    return {**index, "config": {**index["config"], "lang": lang}, "docs": docs}


def split_index(site_dir: Path, languages: Languages) -> None:
    """Rewrite the site's one search index as one per language."""
    merged = json.loads((site_dir / INDEX).read_text(encoding="utf-8"))
    for language in languages.all:
        target = site_dir / languages.prefix(language) / INDEX
        target.parent.mkdir(parents=True, exist_ok=True)
        index = language_index(merged, language, languages)
        target.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")


def point_search_at_language(html: str, prefix: str) -> str:
    """Make a page of the language under ``prefix`` (e.g. 'ru/') fetch that language's index."""

    def rebase(match: re.Match) -> str:
        config = json.loads(match["json"])
        config["base"] = posixpath.join(config["base"], prefix)
        return f"{match['open']}{htmlsafe_json_dumps(config)}{match['close']}"

    rebased, found = CONFIG_SCRIPT.subn(rebase, html, count=1)
    if not found:
        raise ValueError("the page has no Material __config script to point at its search index")
    return rebased
