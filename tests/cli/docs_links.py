#!/usr/bin/env python3
"""Fails when a link in README.md or docs/*.md does not resolve, or a docs page cannot be reached.

Every [text](target) and ![alt](target) outside code must be a web address or a relative path that
exists in the repository; a #fragment must name a heading of its page as GitHub spells heading
anchors (lower case, punctuation dropped, spaces as hyphens, -1, -2, ... on repeats). Every docs page
must be reachable from README.md through such links, so that no page is written and then lost.

Run as: docs_links.py REPO_ROOT
"""
import pathlib
import re
import sys
import urllib.parse

LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
# A run of n backticks, then anything but a blank line, then a run of exactly n backticks.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.S)


def prose(text):
    """A Markdown text with fenced code blocks and inline code spans blanked, lines kept in place, so
    that links in prose, even where their text runs over a line break, are found and numbered."""
    lines = []
    fence = None
    for line in text.split("\n"):
        match = FENCE.match(line)
        if match:
            if fence is None:
                fence = match.group(1)
            elif fence == match.group(1):
                fence = None
            lines.append("")
        else:
            lines.append("" if fence else line)
    joined = "\n".join(lines)
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), joined)


def slug(heading):
    """GitHub's anchor for a heading: link text kept, code marks and other punctuation dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    result = set()
    fence = None
    for line in path.read_text(encoding="utf-8").split("\n"):
        match = FENCE.match(line)
        if match:
            fence = match.group(1) if fence is None else (None if fence == match.group(1) else fence)
            continue
        heading = HEADING.match(line) if fence is None else None
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return result


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    readme = root / "README.md"
    pages = [readme] + sorted((root / "docs").glob("*.md"))
    problems = []
    edges = {page: set() for page in pages}
    for page in pages:
        name = page.relative_to(root)
        text = prose(page.read_text(encoding="utf-8"))
        for match in LINK.finditer(text):
            target = match.group(1)
            number = text.count("\n", 0, match.start()) + 1
            where = f"{name}:{number}: link '{target}'"
            if not target:
                problems.append(f"{where} is empty")
                continue
            if SCHEME.match(target) or target.startswith("//"):
                continue
            path_part, _, fragment = target.partition("#")
            if path_part.startswith("/"):
                problems.append(f"{where} is absolute; write it relative to {name.parent}/")
                continue
            resolved = (page.parent / urllib.parse.unquote(path_part)).resolve() if path_part else page
            if not resolved.exists():
                problems.append(f"{where}: no such file or folder {resolved}")
                continue
            if root not in resolved.parents and resolved != root:
                problems.append(f"{where} leaves the repository")
                continue
            if resolved in edges:
                edges[page].add(resolved)
            if fragment:
                if resolved.suffix != ".md":
                    problems.append(f"{where}: #{fragment} on a file that is not Markdown")
                elif urllib.parse.unquote(fragment) not in anchors(resolved):
                    problems.append(f"{where}: {resolved.relative_to(root)} has no heading with anchor #{fragment}")
    reached = {readme}
    frontier = [readme]
    while frontier:
        for linked in edges[frontier.pop()]:
            if linked not in reached:
                reached.add(linked)
                frontier.append(linked)
    for page in pages:
        if page not in reached:
            problems.append(f"{page.relative_to(root)} is linked from no page reachable from README.md")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} broken links or unreachable pages in README.md and docs/")
        return 1
    print(f"ok: every link in {len(pages)} pages resolves and every page is reachable from README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
