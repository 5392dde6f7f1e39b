"""The site's languages, as mkdocs.yml's i18n plugin lists them (the one place they are listed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Languages:
    default: str
    others: tuple[str, ...]

    @classmethod
    def of(cls, config) -> Languages:
        """The languages of a loaded mkdocs config (``mkdocs.config.load_config`` or on_config)."""
        i18n = config.plugins.get("i18n")
        if i18n is None:
            raise ValueError("mkdocs.yml has no i18n plugin: it is where the languages are listed")
        built = [language for language in i18n.config.languages if language.build]
        defaults = [language.locale for language in built if language.default]
        if len(defaults) != 1:
            raise ValueError(
                f"mkdocs.yml must mark exactly one language as default, not {defaults}"
            )
        others = tuple(language.locale for language in built if not language.default)
        return cls(default=defaults[0], others=others)

    @property
    def all(self) -> tuple[str, ...]:
        return (self.default, *self.others)

    def of_url(self, url: str) -> str:
        """The language whose site a page URL belongs to: ru/... is Russian, the rest default."""
        first = url.lstrip("/").split("/", 1)[0]
        return first if first in self.others else self.default

    def prefix(self, language: str) -> str:
        """Where a language's site lives under the site root: '' or 'ru/'."""
        return "" if language == self.default else f"{language}/"
