"""Colour pairs read from style sheets (the pages' CSS and the Qt apps' style sheets), for tests/test_contrast.py.

Not a browser: a small cascade that is enough for our own style sheets, and errs on the strict side.
- A selector's declarations are those of every rule it refines (`.desk.closed` takes `.desk`'s too, `#calls
  li.new .desk` takes `#calls li .desk`'s), the more specific later; custom properties (`var(--x, y)`) are
  resolved; a keyframe of an element's animation is one more state of it.
- Its text colour is its own or the nearest ancestor's in the selector (`.paused h1` inherits from `.paused`),
  else the page's; its background is its own laid over its ancestors' (alpha composited), down to the page's.
  A page may have several backgrounds (`body.desk.closed`): a text that sits on the page is checked on each.
- A descendant rule is also checked on every state of its ancestor that has a rule (`QPushButton QLabel` on
  `QPushButton:pressed` and on `QPushButton#secondary`, taking `QPushButton#secondary QLabel`'s colour there).
What it cannot see (the nesting of the HTML itself, colours set by scripts) the browser check sees, on the
live pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product

Colour = tuple[float, float, float, float]  # r, g, b in 0..255, alpha in 0..1

NAMED = {"white": (255, 255, 255, 1.0), "black": (0, 0, 0, 1.0), "transparent": (0, 0, 0, 0.0)}
COLOUR_TOKEN = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|\b(?:white|black|transparent)\b")
BACKGROUNDS = ("background", "background-color")
BORDERS = ("border", "border-color", "border-top", "border-bottom", "border-left", "border-right", "outline")


def parse_colour(token: str) -> Colour:
    token = token.strip().lower()
    if token in NAMED:
        return NAMED[token]
    if token.startswith("#"):
        digits = token[1:]
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha)
    parts = [p.strip() for p in token[token.index("(") + 1:-1].replace("/", ",").split(",")]
    alpha = float(parts[3].rstrip("%")) / (100 if parts[3].endswith("%") else 1) if len(parts) > 3 else 1.0
    return (float(parts[0]), float(parts[1]), float(parts[2]), alpha)


def first_colour(value: str) -> Colour | None:
    found = COLOUR_TOKEN.search(value)
    return parse_colour(found.group(0)) if found else None


def over(top: Colour, below: Colour) -> Colour:
    """`top` laid over an opaque `below`."""
    a = top[3]
    return (top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1.0)


def luminance(colour: Colour) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour[0]) + 0.7152 * channel(colour[1]) + 0.0722 * channel(colour[2])


def ratio(a: Colour, b: Colour) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_of(colour: Colour) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in colour[:3])


# ---- parsing ------------------------------------------------------------------------------------------------

SIMPLE = re.compile(r"#[\w-]+|\.[\w-]+|\[[^\]]*\]|::?[\w-]+(?:\([^)]*\))?|[\w*-]+")


@dataclass(frozen=True)
class Rule:
    selector: str
    decls: tuple[tuple[str, str], ...]
    order: int

    @property
    def compounds(self) -> list[frozenset[str]]:
        return compounds(self.selector)


def compounds(selector: str) -> list[frozenset[str]]:
    parts = [p for p in re.split(r"\s*[>+~]\s*|\s+", selector.strip()) if p]
    return [frozenset(SIMPLE.findall(part)) for part in parts]


def _declarations(body: str) -> list[tuple[str, str]]:
    out = []
    for item in body.split(";"):
        if ":" in item:
            name, value = item.split(":", 1)
            out.append((name.strip().lower(), value.replace("!important", "").strip()))
    return out


def _split_selectors(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def _blocks(text: str) -> list[tuple[str, str]]:
    """(prelude, body) of each top-level block; a body may hold blocks of its own."""
    blocks, depth, start, prelude = [], 0, 0, ""
    for index, char in enumerate(text):
        if char == "{":
            if depth == 0:
                prelude, start = text[start:index].strip(), index + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append((prelude, text[start:index]))
                start = index + 1
    return blocks


@dataclass
class Sheet:
    """One style sheet's rules, custom properties and keyframes."""

    name: str
    rules: list[Rule] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    keyframes: dict[str, list[list[tuple[str, str]]]] = field(default_factory=dict)

    @classmethod
    def parse(cls, name: str, text: str) -> Sheet:
        sheet = cls(name)
        sheet._read(re.sub(r"/\*.*?\*/", "", text, flags=re.S))
        return sheet

    def _read(self, text: str) -> None:
        for prelude, body in _blocks(text):
            if prelude.startswith("@keyframes"):
                self.keyframes[prelude.split()[1]] = [_declarations(step) for _, step in _blocks(body)]
            elif prelude.startswith("@"):
                self._read(body)  # @media and the like: their rules are states the page can be in
            else:
                decls = _declarations(body)
                for name, value in decls:
                    if name.startswith("--"):
                        self.properties[name] = value
                for selector in _split_selectors(prelude):
                    self.rules.append(Rule(selector, tuple(decls), len(self.rules)))

    def resolve(self, value: str) -> str:
        for _ in range(10):
            value, n = re.subn(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)",
                               lambda m: self.properties.get(m.group(1), m.group(2) or ""), value)
            if not n:
                break
        return value

    # ---- the cascade --------------------------------------------------------------------------------------

    def effective(self, selector: str) -> dict[str, str]:
        """The declarations of every rule `selector` refines, the more specific (then the later) winning."""
        target = compounds(selector)
        matching = [r for r in self.rules if len(r.compounds) == len(target)
                    and all(mine <= theirs for mine, theirs in zip(r.compounds, target, strict=True))]
        matching.sort(key=lambda r: (sum(len(c) for c in r.compounds), r.order))
        decls: dict[str, str] = {}
        for rule in matching:
            decls.update({name: self.resolve(value) for name, value in rule.decls})
        return decls

    def states(self) -> list[str]:
        """Every selector to check: each rule's, and each descendant rule on every state of its ancestors."""
        found: dict[str, None] = {}
        singles = [r.selector for r in self.rules if len(r.compounds) == 1]
        for rule in self.rules:
            parts = re.split(r"\s*[>+~]\s*|\s+", rule.selector.strip())
            options = []
            for part in parts[:-1]:
                mine = compounds(part)[0]
                options.append([part] + [s for s in singles if compounds(s)[0] > mine])
            for ancestors in product(*options):
                found[" ".join([*ancestors, parts[-1]])] = None
        return list(found)

    def animations(self, decls: dict[str, str]) -> list[dict[str, str]]:
        """The element's own state, and one more per keyframe of its animation."""
        name = decls.get("animation", "").split()[0] if decls.get("animation") else ""
        return [decls] + [{**decls, **{n: self.resolve(v) for n, v in step}} for step in self.keyframes.get(name, [])]


@dataclass(frozen=True)
class Pair:
    sheet: str
    selector: str
    kind: str  # "text", "border", "mark"
    fore: Colour
    back: Colour
    needed: float

    @property
    def ratio(self) -> float:
        return ratio(self.fore, self.back)

    def __str__(self) -> str:
        return (f"{self.sheet} {self.selector!r}: {self.kind} {hex_of(self.fore)} on {hex_of(self.back)} "
                f"= {self.ratio:.2f}:1, needs {self.needed}:1")


CONTROLS = re.compile(r"(?:^|[\s>])(?:input|select|textarea|button|QLineEdit|QPushButton|QComboBox|QSpinBox)\b")


@dataclass
class Audit:
    """Every colour pair of a style sheet, with the contrast each needs."""

    sheet: Sheet
    root_fore: Colour
    root_backs: list[Colour]
    text: float  # 7 on the hall's displays, 4.5 elsewhere
    ui: float = 3.0  # borders of controls, focus rings, chart marks (WCAG 1.4.11)

    def _chain(self, selector: str) -> tuple[Colour | None, list[dict[str, str]]]:
        parts = re.split(r"\s*[>+~]\s*|\s+", selector.strip())
        ancestors = [self.sheet.effective(" ".join(parts[:k])) for k in range(1, len(parts))]
        fore = next((first_colour(d["color"]) for d in reversed(ancestors) if "color" in d
                     and d["color"] != "inherit"), None)
        return fore, ancestors

    def _below(self, ancestors: list[dict[str, str]]) -> list[Colour]:
        backs = list(self.root_backs)
        for decls in ancestors:
            colour = next((first_colour(decls[n]) for n in BACKGROUNDS if n in decls), None)
            if colour is not None:
                backs = [over(colour, b) for b in backs]
        return backs

    def pairs(self) -> list[Pair]:
        out: list[Pair] = []
        for selector in self.sheet.states():
            inherited, ancestors = self._chain(selector)
            below = self._below(ancestors)
            for decls in self.sheet.animations(self.sheet.effective(selector)):
                out += self._pairs_of(selector, decls, inherited, below)
        for name, value in self.sheet.properties.items():
            if name.startswith("--mark-"):  # a chart's bars (dashboard.css): marks on the page
                colour = first_colour(self.sheet.resolve(value))
                assert colour is not None, f"{self.sheet.name}: {name} is not a colour"
                out += [Pair(self.sheet.name, name, "mark", over(colour, b), b, self.ui) for b in self.root_backs]
        return out

    def _pairs_of(self, selector: str, decls: dict[str, str], inherited: Colour | None,
                  below: list[Colour]) -> list[Pair]:
        out = []
        own_back = next((first_colour(decls[n]) for n in BACKGROUNDS if n in decls), None)
        backs = [over(own_back, b) for b in below] if own_back else below
        if "color" in decls or own_back is not None:
            fore = first_colour(decls["color"]) if "color" in decls and decls["color"] != "inherit" else None
            fore = fore or inherited or self.root_fore
            out += [Pair(self.sheet.name, selector, "text", over(fore, b), b, self.text) for b in backs]
        control = bool(CONTROLS.search(" " + selector.split("::")[0]))
        focus = ":focus" in selector
        for name in BORDERS:
            if name not in decls:
                continue
            value = decls[name]
            width = re.match(r"\s*(0|none)\b", value)
            colour = first_colour(value)
            if name == "outline" and focus and width:
                raise AssertionError(f"{self.sheet.name} {selector!r}: a focus ring must not be removed")
            signal = name == "border-color"  # a state told by its border alone (`.desk.calling`)
            if colour is None or colour[3] == 0 or width or not (control or focus or signal):
                continue
            out += [Pair(self.sheet.name, selector, "border", over(colour, b), b, self.ui) for b in below]
            if signal and own_back is not None:
                out += [Pair(self.sheet.name, selector, "border", over(colour, b), b, self.ui) for b in backs]
        return out


def page_audit(sheet: Sheet, text: float) -> Audit:
    """A web page's sheet: the page's colours are html's and body's; body.x variants are more backgrounds."""
    page = {**sheet.effective("html"), **sheet.effective("body")}
    fore = first_colour(page.get("color", "black")) or NAMED["black"]
    back = next((first_colour(page[n]) for n in BACKGROUNDS if n in page), None) or NAMED["white"]
    backs = [back]
    for rule in sheet.rules:
        first = rule.selector.split()[0]
        if len(rule.selector.split()) == 1 and first.startswith("body") and first != "body":
            variant = sheet.effective(rule.selector)
            colour = next((first_colour(variant[n]) for n in BACKGROUNDS if n in variant), None)
            if colour is not None:
                backs.append(over(colour, back))
    return Audit(sheet, fore, backs, text)
