"""Documents: Markdown escaping of text from the data, and templates filled from results."""

from __future__ import annotations

import pypandoc
import pytest

from report.documents import md_escape, period_label

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% raw %}",
    "{{< include /etc/passwd >}}",
    "**жирный** [ссылка](http://127.0.0.1:9/x) ![img](http://127.0.0.1:9/y.png)",
    "@import url(http://127.0.0.1:9/a.css); `code` $x^2$",
    "# заголовок\n- пункт\n| a | b |",
    "&lt;b&gt; &amp; \\ backslash",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_literally(text: str) -> None:
    html = pypandoc.convert_text(f"Категория: {md_escape(text)}", "html5", format="markdown")
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<strong>" not in html and "<code>" not in html and "<h1" not in html
    assert "<ul>" not in html and "<table" not in html
    plain = pypandoc.convert_text(html, "plain", format="html").replace("\n", " ")
    assert " ".join(text.split()) in " ".join(plain.split())


def test_period_label() -> None:
    assert period_label("2026-11") == "ноябрь 2026"
    assert period_label("2027-01") == "январь 2027"
