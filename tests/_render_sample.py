"""Shared sample for the rendering tests: a run folder with ``report.qmd`` and a figure.

Also the recording HTTP server that proves no request leaves the machine, and the
``rendered`` fixture (registered in ``conftest.py``): the sample rendered once per
session with the built-in renderer, HTML and PDF.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from report.render.html import render_html
from report.render.pdf import render_pdf
from report.text.markdown import md_escape

TITLE = "Активность клиентов «В один клик»"
HEADER = "Период: ноябрь 2026 · ревизия r1"
DECLINE, STABLE = "#d62728", "#1f77b4"
THIN = "\u202f"

SUMMARY = f"""\
## Главное {{#summary .exec-summary}}

В ноябре снижают активность **497 из 1{THIN}297 постоянных клиентов (38,3 %)**;
под угрозой **12{THIN}345{THIN}678 ₽** прибыли (вероятность × прибыль).

::: {{.kpis}}
::: {{.kpi .decline}}
[38,3 %]{{.kpi-value}} [клиентов снижают активность]{{.kpi-label}}
:::
::: {{.kpi .decline}}
[12,3 млн ₽]{{.kpi-value}} [прибыли под угрозой]{{.kpi-label}}
:::
::: {{.kpi}}
[8 из 10]{{.kpi-value}} [снижающихся — среди 30 % клиентов с наибольшим риском]{{.kpi-label}}
:::
::: {{.kpi .stable}}
[214]{{.kpi-value}} [клиентов в списке действий на месяц]{{.kpi-label}}
:::
:::

### Что движет снижением

- **Страниц за визит:** у снижающихся 4,2, у стабильных 9,8.
- **Доля покупок по акции:** 47 % против 24 %.
- **Минут на сайте:** 10 против 15 в прошлом месяце.

### Сегменты

| Сегмент | Клиентов | Прибыль под угрозой | Предложение | Как проверить |
|:--------|---------:|--------------------:|:------------|:--------------|
| Акционные покупатели | 173 | 4{THIN}567{THIN}890 ₽ | Подборка акций | A/B, 4 недели |
| Редкие гости | 121 | 3{THIN}210{THIN}000 ₽ | Напоминание в приложении | A/B, 4 недели |
| Ценные клиенты | 96 | 2{THIN}980{THIN}123 ₽ | Звонок менеджера | 50 на 50 |
| Остальные | 107 | 1{THIN}587{THIN}665 ₽ | Рассылка | Контроль 20 % |

**Что изменилось:** доля снижающихся выросла на +1,2 п. п. с октября.

::: {{.note}}
Качество данных: исключено 4 клиента, исправлено 23 значения;
см. [раздел о данных](#качество-данных). Последняя строка сводки.
:::
"""

BODY = """\
## Качество данных {#качество-данных}

Пришло 1 300 клиентов; категория «&lt;script&gt;alert(1)&lt;/script&gt;» и
товар &lt;img src=x onerror=alert(2)&gt; показаны как текст.

| Столбец | Исправлено | Доля |
|:--------|-----------:|-----:|
| Выручка | 3 | 0,2 % |

## Поведение клиентов

### Активность на сайте

::: {.figure-block}
#### Снижающиеся клиенты смотрят меньше страниц за визит

![Столбцы: страниц за визит у снижающихся и стабильных](figures/pages.png){width=100%}

::: {.takeaway}
Снижающиеся клиенты смотрят вдвое меньше страниц за визит, чем стабильные.
:::
:::
"""


def make_figure(path: Path, *, width_in: float = 6.0) -> None:
    """A small bar chart in the report's two group colours."""
    figure = Figure(figsize=(width_in, 2.6), dpi=80)
    axes = figure.subplots()
    axes.bar(["снижается", "стабильно"], [4.2, 9.8], color=[DECLINE, STABLE])
    axes.set_title("Страниц за визит")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def front_matter(title: str = TITLE, running_header: str = HEADER) -> str:
    """The document's front matter, its strings escaped as report.qmd.j2 does (md, then JSON)."""
    return (
        f"---\ntitle: {json.dumps(md_escape(title), ensure_ascii=False)}\n"
        'subtitle: "Ежемесячный отчёт · сформирован 2026-12-01"\n'
        f"running-header: {json.dumps(md_escape(running_header), ensure_ascii=False)}\n---\n\n"
    )


def write_sample_report(
    folder: Path, *, summary: str = SUMMARY, body: str = BODY, front: str | None = None
) -> Path:
    """A run folder with ``report.qmd`` and ``figures/pages.png``; returns the qmd path."""
    folder.mkdir(parents=True, exist_ok=True)
    make_figure(folder / "figures" / "pages.png")
    qmd = folder / "report.qmd"
    qmd.write_text((front or front_matter()) + summary + "\n" + body, encoding="utf-8")
    return qmd


class _Recorder(http.server.BaseHTTPRequestHandler):
    def _record(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        self.send_response(404)
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_CONNECT = _record

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def recording_http_server() -> Iterator[http.server.ThreadingHTTPServer]:
    """An HTTP server (and proxy) on 127.0.0.1 that records every request it receives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def recording_server() -> Iterator[http.server.ThreadingHTTPServer]:
    with recording_http_server() as server:
        yield server


def server_url(server: http.server.ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/{path}"


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample report rendered once with the built-in renderer, HTML and PDF."""
    run = tmp_path_factory.mktemp("run")
    qmd = write_sample_report(run)
    html = run / "out" / "report.html"
    used = render_html(qmd, html, renderer="builtin")
    assert used == "builtin"
    pdf = run / "out" / "report.pdf"
    render_pdf(html, pdf, base_dir=run, running_header=HEADER)
    return {"run": run, "html": html, "pdf": pdf}
