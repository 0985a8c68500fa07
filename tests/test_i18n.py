"""The zh_CN catalog covers every string in the source, and the committed .mo matches the .po.

These tests need no database: they read the source tree and platform/renkou/translations only.
To fix a failure, run the three commands in platform/renkou/translations/README.md.
"""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.core import Locale
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "platform" / "renkou" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
# The Simplified Chinese catalog lives in "zh", not "zh_CN": Flask-Babel parses the configured locale
# "zh_CN" into Locale zh_Hans_CN and gettext then looks for zh_Hans_CN/ and zh/ only (see
# test_catalog_loads_the_way_flask_babel_loads_it). "zh" also serves API clients sending Accept-Language: zh.
PO_FILE = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO_FILE = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo"

# The same keywords as babel.cfg and the README; repeated here so that an older Babel, which ignores
# "keywords" in the mapping file, still finds every string.
KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]

# %(name)s-style (with optional flags, width and precision) and str.format-style {name} / {name:spec}.
PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE_PLACEHOLDER = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")


def _key(message) -> str:
    """A readable identifier for a catalog entry (context | msgid)."""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context} | {msgid}" if message.context else msgid


def _strings(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh template extracted from the current source tree, with babel.cfg."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(BABEL_CFG), "-o", str(pot), "--no-location", "--omit-header"]
    for keyword in KEYWORDS:
        argv += ["-k", keyword]
    CommandLineInterface().run([*argv, str(ROOT)])
    with pot.open("rb") as fileobj:
        catalog = read_po(fileobj)
    assert len(catalog) > 50, "extraction found suspiciously few messages; is babel.cfg right?"
    return catalog


@pytest.fixture(scope="module")
def po_catalog():
    with PO_FILE.open("rb") as fileobj:
        return read_po(fileobj, locale="zh_CN")


def test_every_source_string_is_translated(extracted, po_catalog):
    missing, fuzzy = [], []
    for message in extracted:
        if not message.id:
            continue
        translated = po_catalog.get(message.id, context=message.context)
        if translated is None or not all(s.strip() for s in _strings(translated.string) or ("",)):
            missing.append(_key(message))
        elif translated.fuzzy:
            fuzzy.append(_key(message))
    problems = [f"missing: {m!r}" for m in missing] + [f"fuzzy:   {m!r}" for m in fuzzy]
    if problems:
        print("\n".join(problems))
    assert not problems, (
        f"{len(missing)} untranslated and {len(fuzzy)} fuzzy message(s) in {PO_FILE.relative_to(ROOT)}; "
        "see platform/renkou/translations/README.md:\n" + "\n".join(problems)
    )


def test_no_fuzzy_or_empty_entries_in_po(po_catalog):
    bad = [_key(m) for m in po_catalog if m.id and (m.fuzzy or not all(_strings(m.string) or ("",)))]
    if bad:
        print("\n".join(bad))
    assert not bad, "fuzzy or empty entries in messages.po:\n" + "\n".join(bad)


def _mo_messages(data: bytes) -> dict:
    """The messages of a compiled catalog, without the header entry (which names the Babel version)."""
    catalog = dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)
    catalog.pop("", None)
    return catalog


def test_mo_is_compiled_from_current_po(po_catalog):
    buffer = io.BytesIO()
    write_mo(buffer, po_catalog, use_fuzzy=False)
    expected = _mo_messages(buffer.getvalue())
    committed = _mo_messages(MO_FILE.read_bytes())
    stale = sorted(
        (repr(key) for key in expected.keys() | committed.keys() if expected.get(key) != committed.get(key)),
    )
    if stale:
        print("\n".join(stale))
    assert not stale, (
        f"{MO_FILE.relative_to(ROOT)} is out of date with messages.po ({len(stale)} message(s) differ); run "
        "`.venv/bin/pybabel compile -d platform/renkou/translations -D messages`:\n" + "\n".join(stale[:40])
    )


def _placeholders(text: str) -> tuple[set[str], set[str]]:
    return set(PERCENT_PLACEHOLDER.findall(text)), set(BRACE_PLACEHOLDER.findall(text))


def _stray_percent(text: str) -> bool:
    """A '%' that is neither a placeholder nor '%%' breaks '%'-formatting (Jinja formats every _() call)."""
    return "%" in PERCENT_PLACEHOLDER.sub("", text).replace("%%", "")


def _stray_brace(text: str) -> bool:
    rest = BRACE_PLACEHOLDER.sub("", text).replace("{{", "").replace("}}", "")
    return "{" in rest or "}" in rest


def test_placeholders_match(po_catalog):
    problems = []
    for message in po_catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        want_percent, want_brace = _placeholders(source)
        for text in _strings(message.string):
            if not text:
                continue
            percent, brace = _placeholders(text)
            if percent != want_percent:
                problems.append(f"{_key(message)!r}: %-placeholders {sorted(percent)} != {sorted(want_percent)}")
            if brace != want_brace:
                problems.append(f"{_key(message)!r}: {{}}-placeholders {sorted(brace)} != {sorted(want_brace)}")
            if _stray_percent(text) and not _stray_percent(source):
                problems.append(f"{_key(message)!r}: stray '%' in {text!r}")
            if want_brace and _stray_brace(text) and not _stray_brace(source):
                problems.append(f"{_key(message)!r}: stray brace in {text!r}")
    if problems:
        print("\n".join(problems))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("selected", ["zh_CN", "zh"])
def test_catalog_loads_the_way_flask_babel_loads_it(selected):
    """Flask-Babel loads Translations.load(<directory>, [Locale.parse(<selected locale>)], "messages").

    The web UI selects "zh_CN" (the default locale); the API may select "zh" from Accept-Language.
    """
    translations = Translations.load(str(TRANSLATIONS), [Locale.parse(selected)], "messages")
    assert translations.gettext("Sign in") == "登录", f"no catalog found for {selected!r} in {TRANSLATIONS}"
