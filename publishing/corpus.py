"""The redaction corpus and its measure: recall per kind of personal data, and false masks.

``publishing/data/redaction_corpus.txt`` holds complaint texts written for this project, one
per line, with their personal data marked ``⟦kind:text⟧``: the rules were tuned on it.
``redaction_heldout.txt`` (36 texts) was written after that and measured untuned once; the
name rules of :mod:`publishing.names` were then generalised with its misses in view, so it is
no longer unseen. ``redaction_heldout2.txt`` (36 texts in other styles: letters, call
transcripts, WeChat messages) was written after those rules were settled and measured once,
untuned; the rules were then generalised again with its misses in view.
``redaction_heldout3.txt`` (36 more texts: text messages, forum posts, minutes, operators'
summaries, e-mails) was written after that and measured once, untuned: its figures are the
honest ones for text the rules have not seen.

:func:`measure` redacts each text (no names known in advance: the hardest case) and counts

* per kind, the marked items wholly covered by masked spans (recall);
* the masked spans touching no marked item (false masks), listed for review.

``python -m publishing.corpus`` prints the figures of the three sets (the README quotes them).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from publishing import redact

CORPUS = Path(__file__).parent / "data" / "redaction_corpus.txt"
HELDOUT = CORPUS.parent / "redaction_heldout.txt"
HELDOUT2 = CORPUS.parent / "redaction_heldout2.txt"
HELDOUT3 = CORPUS.parent / "redaction_heldout3.txt"
SETS = {"training": CORPUS, "held-out 1": HELDOUT, "held-out 2": HELDOUT2,
        "held-out 3": HELDOUT3}
_MARK = re.compile(r"⟦(\w+):([^⟧]+)⟧")


@dataclass(frozen=True)
class Sample:
    text: str
    marks: tuple[tuple[int, int, str], ...]  # start, end, kind


@dataclass
class Figures:
    texts: int = 0
    marked: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    missed: list[tuple[str, str]] = field(default_factory=list)  # kind, text
    false_masks: list[tuple[str, str]] = field(default_factory=list)  # kind, text

    def recall(self, kind: str) -> float:
        n = self.marked.get(kind, 0)
        return self.found.get(kind, 0) / n if n else 1.0

    def false_mask_rate(self) -> float:
        """The share of masked spans that cover no marked item."""
        masked = sum(self.found.values()) + len(self.false_masks)
        return len(self.false_masks) / masked if masked else 0.0


def parse(line: str) -> Sample:
    text, marks, at = [], [], 0
    for m in _MARK.finditer(line):
        text.append(line[at:m.start()])
        start = sum(len(t) for t in text)
        text.append(m.group(2))
        marks.append((start, start + len(m.group(2)), m.group(1)))
        at = m.end()
    text.append(line[at:])
    return Sample("".join(text), tuple(marks))


def load(path: Path = CORPUS) -> list[Sample]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse(line) for line in lines if line.strip() and not line.startswith("#")]


def measure(samples: list[Sample]) -> Figures:
    figures = Figures(texts=len(samples))
    for sample in samples:
        spans = redact.find(sample.text)
        for start, end, kind in sample.marks:
            figures.marked[kind] = figures.marked.get(kind, 0) + 1
            covered = all(any(s.start <= i < s.end for s in spans) for i in range(start, end))
            if covered:
                figures.found[kind] = figures.found.get(kind, 0) + 1
            else:
                figures.missed.append((kind, sample.text[start:end]))
        for s in spans:
            if not any(s.start < end and start < s.end for start, end, _ in sample.marks):
                figures.false_masks.append((s.kind, s.text))
    return figures


def report(figures: Figures) -> str:
    lines = [f"texts: {figures.texts}"]
    for kind in redact.KINDS:
        if figures.marked.get(kind):
            lines.append(f"{kind}: recall {figures.recall(kind):.1%} "
                         f"({figures.found.get(kind, 0)}/{figures.marked[kind]})")
    lines.append(f"false masks: {len(figures.false_masks)} ({figures.false_mask_rate():.1%} of "
                 f"masked spans) "
                 f"{[f'{k}:{t}' for k, t in figures.false_masks]}")
    lines.append(f"missed: {[f'{k}:{t}' for k, t in figures.missed]}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    for title, path in SETS.items():
        sys.stdout.write(f"== {title} ({path.name})\n{report(measure(load(path)))}\n")
