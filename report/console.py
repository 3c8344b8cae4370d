"""Plain-text summaries for the terminal."""

from __future__ import annotations

from analysis.data.quality import QualityLog
from analysis.errors import format_items
from report.text.quality import quality_text

__all__ = ["validation_summary"]


def validation_summary(log: QualityLog) -> str:
    """Readable summary of what validation read, repaired, excluded and noticed."""
    lines = [
        f"Клиентов прочитано: {log.clients_read}",
        f"Клиентов пригодно для модели: {log.clients_usable}",
        "Файлы:",
    ]
    for name, info in log.files.items():
        lines.append(f"  {name}: {info['rows']} строк, кодировка {info['encoding']}, "
                     f"разделитель {info['separator']!r}")
    titles = {"exclusion": "Исключения", "repair": "Исправления", "warning": "Предупреждения"}
    for kind, title in titles.items():
        entries = log.of_kind(kind)  # type: ignore[arg-type]
        lines.append(f"{title}: {len(entries) or 'нет'}")
        for e in entries:
            where = f"{e.file}" + (f", «{e.column}»" if e.column else "")
            ids = f" — id: {format_items(list(e.ids), 10)}" if e.ids else ""
            lines.append(f"  [{where}] {quality_text(e)}: {e.count}{ids}")
    return "\n".join(lines)
