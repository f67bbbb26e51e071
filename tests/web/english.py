"""A small English detector for the French pages (issue 15 item 4).

`english_sentences(page, exclude)` returns the visible texts of a page, in an element whose
language is French, that read as English: two English function words that are not French words
(`the`, `of`, `is`...), or one of them in a short label. Not judged: code and IRIs (`code`, `pre`,
`kbd`, `samp`, `.iri`), form fields (the user's own text), scripts, and elements marked with
another language (`lang="en"`: data shown in its own language, correctly labelled); `exclude`
holds data values (the store's literals) removed from a text before it is judged.
"""

from __future__ import annotations

import re

#: English words that are not French words (so "a", "on", "or", "an", "son", "plus" are not here).
ENGLISH_ONLY = {
    "the", "of", "and", "is", "are", "was", "were", "be", "been", "with", "this", "that", "these", "those",
    "from", "not", "has", "have", "which", "will", "should", "must", "may", "can", "cannot", "no", "yes",
    "it", "its", "by", "for", "to", "at", "into", "than", "there", "their", "they", "you", "your", "we",
    "our", "what", "when", "where", "who", "how", "all", "any", "each", "only", "one", "two", "none",
    "found", "missing", "invalid", "expected", "error", "line", "column", "objects", "subjects", "value",
    "values", "required", "optional", "recommended", "warning", "warnings", "violations", "results",
    "see", "back", "home", "search", "query", "profile", "profiles", "vocabulary", "vocabularies",
    "published", "draft", "deprecated", "download", "in", "seconds", "second", "response", "try", "new",
    "window", "browser", "showing", "entries", "shows", "view",
}
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")

VISIBLE_TEXTS = """() => {
  const skip = "code, pre, kbd, samp, .iri, script, style, template, textarea, select, option, noscript, input";
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/[ \\t\\n\\r]+/g, " ").trim();  // keeps no-break spaces (typography)
    if (!text) continue;
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    const langEl = el.closest("[lang]");
    const lang = langEl ? langEl.getAttribute("lang") : "";
    if (!lang.startsWith("fr")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (!el.getClientRects().length && !el.closest(".visually-hidden")) continue;
    out.push(text);
  }
  // names and descriptions people hear: aria-label, title, placeholder, alt
  document.querySelectorAll("[aria-label], [title], [placeholder], img[alt]").forEach(el => {
    if (el.closest("code, pre, .iri")) return;
    const langEl = el.closest("[lang]");
    if (!(langEl ? langEl.getAttribute("lang") : "").startsWith("fr")) return;
    for (const attr of ["aria-label", "title", "placeholder", "alt"]) {
      const v = el.getAttribute(attr);
      if (v && v.trim()) out.push(v.trim());
    }
  });
  return out;
}"""


def english_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w.lower() in ENGLISH_ONLY and not w.isupper()]


def reads_english(text: str) -> bool:
    words = english_words(text)
    distinct = {w.lower() for w in words}
    if len(distinct) >= 2:
        return True
    # one English word in a short text: a label ("Home", "objects of X")
    return len(distinct) == 1 and len(WORD.findall(text)) <= 4


def strip_values(text: str, values: list[str]) -> str:
    for value in values:
        if value and value in text:
            text = text.replace(value, " ")
    return text


def english_sentences(page, values: list[str]) -> list[str]:
    found = []
    for text in page.evaluate(VISIBLE_TEXTS):
        if not reads_english(text):
            continue
        rest = strip_values(text, values)
        if reads_english(rest):
            found.append(text)
    return sorted(set(found))


#: French typography: a narrow no-break space (or a no-break space) before : ; ? ! — never a plain one.
PLAIN_SPACE_BEFORE = re.compile(r" [:;?!](\s|$)")


def typography_faults(page, values: list[str]) -> list[str]:
    """French texts with a plain space before `:`, `;`, `?` or `!` (data values left out)."""
    found = []
    for text in page.evaluate(VISIBLE_TEXTS):
        if PLAIN_SPACE_BEFORE.search(text) and PLAIN_SPACE_BEFORE.search(strip_values(text, values)):
            found.append(text)
    return sorted(set(found))
