"""规则集问题: one problem found in a rule set's JSON, in Chinese (the default) and English, at its JSON path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a rule set (规则集问题): where it is (a JSON path such as ``ruleset.bands[2]``) and what.

    Both languages travel together from the check that finds the problem to the client's error, which picks
    one with the request's language like every other error; the path reads the same in both."""

    path: str
    zh: str
    en: str

    def text_in(self, language: str) -> str:
        """The problem with its path, in ``language`` ("zh" or "en")."""
        return f"{self.path}: {self.en}" if language == "en" else f"{self.path}：{self.zh}"

    def as_detail(self) -> dict[str, str]:
        """The problem as the error's ``extensions.problems`` carries it (``message`` Chinese, ``en`` English)."""
        return {"path": self.path, "message": self.text_in("zh"), "en": self.text_in("en")}
