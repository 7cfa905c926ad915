"""The platform shapes of offline copy: a Taobao listing, a Xiaohongshu note, a WeChat paragraph, a Douyin
script, a /describe description and an English Amazon listing — each from one composition context.

Each shape fits its platform's limits itself, dropping whole sentences (closer, opener, description) rather
than cutting one, so the pipeline's trimming is a safety net and a bullet is never a sentence cut short.
Douyin: hook → three selling points as spoken lines (every fact is in one of them; the description's first
selling point opens the first) → call to action.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.copywriting.composition import Ctx, Themed
from bot.copywriting.glossary import dedupe_words
from bot.copywriting.limits import fits, measure
from bot.copywriting.models import Draft

Part = tuple[str, int]  # (text, priority): higher priorities are dropped first when over the limit


def assemble(parts: list[Part], limit: int, unit: str = "char", joiner: str = "") -> str:
    """Join parts in order, dropping the highest-priority-number parts (last first) until the text fits."""
    kept = [p for p in parts if p[0]]
    while kept and not fits(joiner.join(t for t, _ in kept), limit, unit):  # type: ignore[arg-type]
        worst = max(p for _, p in kept)
        if worst == 0:
            break
        index = max(i for i, (_, p) in enumerate(kept) if p == worst)
        kept.pop(index)
    return joiner.join(t for t, _ in kept)


def _body(ctx: Ctx, opener: str, closer: str, description: list[str]) -> list[Part]:
    """Opener, theme sentences and description in one of three seeded orders; facts have priority 0."""
    facts = [(s, 0) for s in ctx.theme_sentences()]
    told = [(s, 1) for s in description]
    shape = ctx.rng.randrange(3)
    if shape == 0:
        parts = [(opener, 3), *facts, *told]
    elif shape == 1:
        parts = [(opener, 3), *told[:1], *facts, *told[1:]]
    else:
        parts = [*told[:1], *facts, *told[1:]] if told else [(opener, 3), *facts]
    return [*parts, (closer, 2)]


def listing(ctx: Ctx) -> Draft:
    """Taobao/Tmall: a search title of whole parts, short selling-point bullets and a short description."""
    title = ctx.fit_parts(
        ctx.title_parts(), str(ctx.p.options.get("title_joiner", " ")), ctx.p.title.max, ctx.p.title.unit
    )
    rule = ctx.p.bullets
    bullets: list[str] = []
    per_theme = [ctx.shorts(themed) for themed in ctx.themes]
    singles = sum(len(shorts) for shorts in per_theme) + len(ctx.description) <= rule.max
    for shorts in per_theme:  # one bullet per theme, or one per fact when that is needed to reach min
        together = "，".join(shorts)
        if fits(together, rule.item_max, rule.unit) and not (singles or len(per_theme) < rule.min):
            bullets.append(together)
        else:
            bullets += [s for s in shorts if fits(s, rule.item_max, rule.unit)]
    bullets += [
        s.rstrip("。！？") for s in ctx.description if fits(s.rstrip("。！？"), rule.item_max, rule.unit)
    ]
    bullets = list(dict.fromkeys(b for b in bullets if b))[: rule.max]
    text = assemble(
        _body(ctx, ctx.tone_line("openers"), ctx.tone_line("closers"), ctx.description),
        ctx.p.text.max,
        ctx.p.text.unit,
    )
    return ctx.draft(title, text, bullets)


def note(ctx: Ctx) -> Draft:
    """Xiaohongshu: a hook title with a scene, emoji-led fact lines, the description, a closer and hashtags."""
    title = ctx.fitting(ctx.family.banks["xhs_titles"], ctx.p.title.max) or ctx.fill["short"]
    mark = ctx.emoji()
    if mark and fits(title + mark, ctx.p.title.max):
        title += mark
    blocks = [
        f"{ctx.tone_line('openers')}{ctx.emoji()}",
        "\n".join(f"{ctx.emoji() or '·'} {s}" for s in ctx.theme_sentences()),
        "".join(ctx.description),
        f"{ctx.tone_line('closers')}{ctx.emoji()}",
        " ".join(ctx.hashtags(int(ctx.p.options.get("hashtags", 5)))),
    ]
    priorities = [3, 0, 1, 2, 4]
    text = assemble(list(zip(blocks, priorities, strict=True)), ctx.p.text.max, ctx.p.text.unit, "\n\n")
    return ctx.draft(title, text)


def paragraph(ctx: Ctx) -> Draft:
    """WeChat Moments / article intro: a title with a scene and one warm paragraph."""
    title = ctx.fitting(ctx.family.banks["wechat_titles"], ctx.p.title.max) or ctx.fill["short"]
    parts = _body(ctx, ctx.tone_line("openers"), ctx.tone_line("closers"), ctx.description[:2])
    parts = [(ctx.emoji(), 4), *parts, (ctx.emoji(), 4)]
    return ctx.draft(title, assemble(parts, ctx.p.text.max, ctx.p.text.unit))


def _points(ctx: Ctx) -> list[list[Themed]]:
    """Three selling points holding every theme: themes merged when more than three, split when fewer."""
    groups: list[list[Themed]] = [[t] for t in ctx.themes]
    while len(groups) > 3:
        smallest = min(range(len(groups) - 1), key=lambda i: len(groups[i]) + len(groups[i + 1]))
        groups[smallest : smallest + 2] = [groups[smallest] + groups[smallest + 1]]
    while len(groups) < 3:
        splittable = [i for i, g in enumerate(groups) if len(g) == 1 and len(g[0].clauses) > 1]
        if not splittable:
            break
        index = max(splittable, key=lambda i: len(groups[i][0].clauses))
        themed = groups[index][0]
        half = len(themed.clauses) // 2
        first = Themed(themed.theme, themed.facts[:half], themed.clauses[:half])
        second = Themed(themed.theme, themed.facts[half:], themed.clauses[half:])
        groups[index : index + 1] = [[first], [second]]
    return groups


def _splittable(spoken: list[str], points: list[list[Themed]]) -> int | None:
    """The index of the longest description point (no facts) that has two clauses, or None."""
    found = [
        i
        for i, (voice, group) in enumerate(zip(spoken, points, strict=True))
        if not group and "，" in voice.strip("，。")
    ]
    return max(found, key=lambda i: len(spoken[i]), default=None)


def script(ctx: Ctx) -> Draft:
    """Douyin: hook → three selling points as spoken lines (with what the camera shows) → call to action."""
    labels = {"open": "开场", "point": "卖点", "close": "结尾", "scene": "画面", "voice": "口播"}
    labels.update(ctx.p.options.get("labels") or {})
    sep, gap = "：", "；"
    hook = ctx.family_line("douyin_hooks")
    lines = [
        f"【{labels['open']}】{labels['scene']}{sep}{ctx.display_name()}{gap}{labels['voice']}{sep}{hook}"
    ]
    points = _points(ctx)
    spoken = ["".join(ctx.sentence(t, spoken=True) for t in group) for group in points]
    extra = [s for s in ctx.description if s not in spoken]
    while len(spoken) < 3 and extra:
        spoken.append(extra.pop(0))
        points.append([])
    while len(spoken) < 3 and (at := _splittable(spoken, points)) is not None:
        # too few facts for three points: the catalog's own sentence, clause by clause ("经典亲子共读绘本，
        # 适合3-6岁孩子睡前阅读。" is two selling points), never a line the catalog does not say
        first, rest = spoken[at].split("，", 1)
        spoken[at : at + 1] = [f"{first}。", rest]
        points[at : at + 1] = [[], []]
    if extra and spoken and fits("\n".join([*lines, *spoken, extra[0]]), ctx.p.text.max - 60):
        # the catalog's own selling point opens the first point: a script is more than specs read aloud
        spoken[0] = extra[0] + spoken[0]
    for index, (group, voice) in enumerate(zip(points, spoken, strict=True), start=1):
        if group:
            shots = ctx.book.themes[group[0].theme]["shot"]
            caption = "、".join(ctx.shorts(group[0])[:2])
            shot = f"{ctx.line(shots)}，字幕：{caption}" if caption else ctx.line(shots)
        else:
            shot = f"{ctx.leaf}近景"
        lines.append(
            f"【{labels['point']}{index}】{labels['scene']}{sep}{shot}{gap}{labels['voice']}{sep}{voice}"
        )
    lines.append(f"【{labels['close']}】{labels['voice']}{sep}{ctx.family_line('douyin_cta')}")
    tags = " ".join(ctx.hashtags(int(ctx.p.options.get("hashtags", 3))))
    room = ctx.p.title.max - measure(tags) - 1
    caption = ctx.fitting(ctx.family.banks["xhs_titles"], room) or ctx.fill["short"]
    title = ctx.fit_parts([caption, tags], " ", ctx.p.title.max)
    return ctx.draft(title, "\n".join(lines))


def description(ctx: Ctx) -> Draft:
    """/describe: the need the category answers, then the product's facts and description."""
    shorts = [s for t in ctx.themes for s in ctx.shorts(t)]
    title = ctx.fit_parts([ctx.fill["short"], *shorts[:3]], " ", ctx.p.title.max)
    parts = [
        (ctx.family_line("needs"), 3),
        *_body(ctx, ctx.tone_line("openers"), ctx.tone_line("closers"), ctx.description),
    ]
    return ctx.draft(title, assemble(parts, ctx.p.text.max, ctx.p.text.unit))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def amazon(ctx: Ctx) -> Draft:
    """Amazon (English): title, five bullets "HEADER: sentence." and a description, through the glossary.

    One bullet per theme; while fewer than five, the theme with the most facts is split into one bullet per
    fact; then English description sentences. Chinese the glossary cannot translate stays and flags the copy.
    """
    brand = ctx.en(ctx.brand) if ctx.brand else ""
    leaf = ctx.en(ctx.leaf, "category")
    name = _cap(ctx.en(ctx.display_name()))
    if brand:
        short = dedupe_words(f"{brand} {leaf}") if leaf.lower() not in brand.lower() else brand
    else:
        short = name if len(name) <= 40 else leaf
    fill = {**ctx.fill, "brand": brand, "leaf": leaf, "short": short, "name": name}
    extra = [ctx.en_value(f) for f in ctx.facts if f.kind.name in ("material", "color", "protection", "form")]
    title = ctx.fit_parts(
        [name, *[e for e in extra if e and e.lower() not in name.lower()]], ", ", ctx.p.title.max
    )
    groups: list[list[tuple[str, str]]] = []  # per theme: (label, clause) per fact
    headers: list[str] = []
    for themed in ctx.themes:
        facts = [
            (ctx.book.label(f.key, "en").upper(), c)
            for f in themed.facts
            if (c := ctx.en_fact(f)) and not (f.kind.name == "garment" and c.lower() in name.lower())
        ]
        if facts:
            groups.append(facts)
            headers.append(ctx.line(ctx.book.themes[themed.theme]["en"]))
    rule = ctx.p.bullets
    while len(groups) > rule.max:  # more themes than bullets: the two smallest neighbours share one
        index = min(range(len(groups) - 1), key=lambda i: len(groups[i]) + len(groups[i + 1]))
        groups[index : index + 2] = [groups[index] + groups[index + 1]]
        headers[index : index + 2] = [headers[index]]
    while len(groups) < rule.min and any(len(g) > 1 for g in groups):  # fewer: halve the largest
        index = max(range(len(groups)), key=lambda i: len(groups[i]))
        group, header = groups[index], headers[index]
        half = len(group) // 2
        groups[index : index + 1] = [group[:half], group[half:]]
        headers[index : index + 1] = [group[0][0] if half == 1 else header, group[half][0]]
    while len(groups) > rule.min and any(len(g) == 1 for g in groups):  # a lone clause joins a neighbour
        index = next(i for i, g in enumerate(groups) if len(g) == 1)
        other = index - 1 if index == len(groups) - 1 else index + 1
        low, high = sorted((index, other))
        groups[low : high + 1] = [groups[low] + groups[high]]
        headers[low : high + 1] = [headers[low]]
    bullets = [
        f"{header}: {_cap('; '.join(c for _, c in group))}."
        for header, group in zip(headers, groups, strict=True)
    ]
    told = ctx.en_description()
    bullets += [f"DETAILS: {s}" for s in told][: max(0, rule.min - len(bullets))]
    if len(bullets) < rule.min and name:
        bullets.append(f"ABOUT: {_cap(name)}.")
    if len(bullets) < rule.min and leaf:
        bullets.append(f"CATEGORY: {_cap(leaf)}{f' by {brand}' if brand else ''}.")
    bullets = [b for b in dict.fromkeys(bullets) if fits(b, rule.item_max, rule.unit)][: rule.max]
    opener = ctx.line(ctx.t.bank("en", "openers"), fill)
    closer = ctx.line(ctx.t.bank("en", "closers"), fill)
    body = [b.split(": ", 1)[1] for b in bullets]
    opener, closer = _cap(opener), _cap(closer)
    parts = [
        (opener, 3),
        *[(s, 0) for s in body],
        *[(s, 1) for s in told if f"DETAILS: {s}" not in bullets],
        (closer, 2),
    ]
    return ctx.draft(title, assemble(parts, ctx.p.text.max, ctx.p.text.unit, " "), bullets)


STYLES: dict[str, Callable[[Ctx], Draft]] = {
    "listing": listing,
    "note": note,
    "paragraph": paragraph,
    "script": script,
    "description": description,
    "amazon": amazon,
}
