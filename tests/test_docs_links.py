"""Every relative link in the README and docs/ opens something: the file exists, and an anchor names a heading
or an ``<a id>`` of that file (GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "binder").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text())
    return ({slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}
            | set(re.findall(r'<a id="([^"]+)"', text)))


def links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text())
    text = re.sub(r"`[^`\n]*`", "", text)   # inline code is not a link
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not t.startswith(("http://", "https://", "mailto:"))]


def test_slug_follows_github():
    assert slug("Modular growth (`growth`)") == "modular-growth-growth"
    assert slug("Secondary cards wait for pages that are opening (2026-12-03, night)") == \
        "secondary-cards-wait-for-pages-that-are-opening-2026-12-03-night"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_opens_something(path):
    broken = []
    for target in links(path):
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no such anchor")
    assert not broken, broken
