"""What a case held at each submission (CaseSnapshot), and what a resubmission changed.

`snapshot_data(case)` is taken by `services.case_submit` every time a case is submitted or
resubmitted. `diff(old, new)` compares two of them for the organizer's screening: each changed
field with its old and new value (long texts as a readable diff, HTML-escaped), photos added,
removed, re-captioned or moved, attachments added or removed.

The data is plain JSON:

    {"fields": [{"key": "title", "label": "", "value": "…", "long": false}, …],
     "photos": [{"uid": "…", "caption": "…", "position": 1, "size": 12345}, …],
     "attachments": [{"uid": "…", "name": "…", "size": 12345, "field": ""}, …]}

Core fields have an empty "label" (their name is the model field's, in the reader's language);
the call's own fields carry the label they had when the case was submitted and their answer as
`casefields.display` shows it.
"""

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import casefields
from .models import Case

#: The case's own fields kept in a snapshot, in the order the diff lists them.
CORE_FIELDS = ("title", "category", "contact_name", "contact_phone", "summary", "body")
LONG_FIELDS = ("summary", "body")


def snapshot_data(case: Case) -> dict[str, Any]:
    """The content of `case` as it stands (read from the database: photos, attachments)."""
    fields: list[dict[str, Any]] = []
    for name in CORE_FIELDS:
        value = getattr(case, name)
        fields.append(
            {
                "key": name,
                "label": "",
                "value": "" if value is None else str(value),
                "long": name in LONG_FIELDS,
            }
        )
    call_fields = casefields.fields_for(casefields.call_fields(case.call), case.category_id)
    for f in call_fields:
        if f.kind == f.Kind.FILE:
            continue  # its answers are attachments, listed below
        fields.append(
            {
                "key": f"extra:{f.pk}",
                "label": f.label,
                "value": casefields.display(f, (case.extra or {}).get(f.key)),
                "long": f.kind == f.Kind.LONG_TEXT,
            }
        )
    photos = [
        {"uid": p.uid.hex, "caption": p.caption, "position": p.position, "size": p.size}
        for p in case.photos.order_by("position", "id")
    ]
    attachments = [
        {
            "uid": a.uid.hex,
            "name": a.original_name,
            "size": a.size,
            "field": a.field.label if a.field is not None else "",
        }
        for a in case.attachments.select_related("field").order_by("id")
    ]
    return {"fields": fields, "photos": photos, "attachments": attachments}


@dataclass
class FieldChange:
    key: str
    label: str  # the call field's label ("" for a core field: the page names it)
    old: str
    new: str
    long: bool
    inline: SafeString | None = None  # a long text's diff, escaped, with <del> and <ins>


@dataclass
class PhotoChange:
    caption: str
    old_caption: str = ""
    old_position: int | None = None
    new_position: int | None = None


@dataclass
class Diff:
    fields: list[FieldChange] = field(default_factory=list)
    photos_added: list[dict] = field(default_factory=list)
    photos_removed: list[dict] = field(default_factory=list)
    photos_recaptioned: list[PhotoChange] = field(default_factory=list)
    photos_reordered: list[PhotoChange] = field(default_factory=list)
    attachments_added: list[dict] = field(default_factory=list)
    attachments_removed: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.fields,
                self.photos_added,
                self.photos_removed,
                self.photos_recaptioned,
                self.photos_reordered,
                self.attachments_added,
                self.attachments_removed,
            )
        )


def _mark(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


#: Unchanged lines shown around a change; longer unchanged stretches are elided.
CONTEXT_LINES = 1
ELIDED = '<span class="diff-elided">⋯</span>\n'


def _context(lines: list[str], *, first: bool, last: bool) -> str:
    """Unchanged lines: those next to a change, the others elided (a long body's diff shows
    what changed, not the whole text again)."""
    head = [] if first else lines[:CONTEXT_LINES]
    tail = [] if last else lines[-CONTEXT_LINES:]
    if len(lines) <= len(head) + len(tail):
        return escape("".join(lines))
    kept_tail = tail if len(lines) - len(head) > len(tail) else []
    return escape("".join(head)) + ELIDED + escape("".join(kept_tail))


def text_diff(old: str, new: str) -> SafeString:
    """`old` → `new` as HTML: unchanged text escaped, removed text in <del>, added in <ins>.

    Lines are matched first (a long body stays fast), then the characters of each changed
    block (Chinese has no spaces between words, so a character is its unit). Unchanged lines
    away from any change are elided (⋯)."""
    out: list[str] = []
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    lines = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = lines.get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            out.append(_context(a[i1:i2], first=n == 0, last=n == len(opcodes) - 1))
        elif op == "delete":
            out.append(_mark("del", before))
        elif op == "insert":
            out.append(_mark("ins", after))
        else:
            chars = difflib.SequenceMatcher(None, before, after, autojunk=False)
            for cop, k1, k2, m1, m2 in chars.get_opcodes():
                if cop == "equal":
                    out.append(escape(before[k1:k2]))
                    continue
                out.append(_mark("del", before[k1:k2]))
                out.append(_mark("ins", after[m1:m2]))
    return mark_safe("".join(out))  # noqa: S308 — every piece of text above is escaped


def diff(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """What changed from the snapshot `old` to the snapshot `new`."""
    result = Diff()
    before = {f["key"]: f for f in old.get("fields", [])}
    after = {f["key"]: f for f in new.get("fields", [])}
    for key in [*after, *(k for k in before if k not in after)]:
        was, now = before.get(key), after.get(key)
        old_value = was["value"] if was else ""
        new_value = now["value"] if now else ""
        if old_value == new_value:
            continue
        entry = now or was
        assert entry is not None
        change = FieldChange(
            key=key, label=entry["label"], old=old_value, new=new_value, long=entry["long"]
        )
        if change.long:
            change.inline = text_diff(old_value, new_value)
        result.fields.append(change)

    old_photos = {p["uid"]: p for p in old.get("photos", [])}
    new_photos = {p["uid"]: p for p in new.get("photos", [])}
    result.photos_added = [p for uid, p in new_photos.items() if uid not in old_photos]
    result.photos_removed = [p for uid, p in old_photos.items() if uid not in new_photos]
    kept = [uid for uid in new_photos if uid in old_photos]
    for uid in kept:
        was, now = old_photos[uid], new_photos[uid]
        if was["caption"] != now["caption"]:
            result.photos_recaptioned.append(
                PhotoChange(caption=now["caption"], old_caption=was["caption"])
            )
    # Moved: the kept photos' order among themselves changed (not merely their numbers).
    old_order = [uid for uid in old_photos if uid in new_photos]
    new_order = kept
    if old_order != new_order:
        old_place = {uid: i + 1 for i, uid in enumerate(old_order)}
        new_place = {uid: i + 1 for i, uid in enumerate(new_order)}
        result.photos_reordered = [
            PhotoChange(
                caption=new_photos[uid]["caption"],
                old_position=old_place[uid],
                new_position=new_place[uid],
            )
            for uid in new_order
            if old_place[uid] != new_place[uid]
        ]

    old_atts = {a["uid"]: a for a in old.get("attachments", [])}
    new_atts = {a["uid"]: a for a in new.get("attachments", [])}
    result.attachments_added = [a for uid, a in new_atts.items() if uid not in old_atts]
    result.attachments_removed = [a for uid, a in old_atts.items() if uid not in new_atts]
    return result
