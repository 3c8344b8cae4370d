"""figures.trend: the month labels under the small panels of the trend strip never collide."""

from __future__ import annotations

from itertools import pairwise

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from figures import theme as t
from figures.trend import MonthSeries, plot_months

MONTHS = ["янв 26", "фев 26", "мар 26", "апр 26", "май 26", "июн 26", "июл 26", "авг 26",
          "сен 26", "окт 26", "ноя 26", "дек 26"]


def _labels(n_months: int, panels: int) -> list[list[tuple[str, float, float]]]:
    """Per panel: each shown month label with its left and right edge in pixels."""
    months = MONTHS[:n_months]
    fig, axes = plt.subplots(1, panels, figsize=(t.WIDTH, 0.7),
                             layout="constrained")
    try:
        for ax in axes:
            plot_months(ax, months, [MonthSeries(list(range(n_months)), t.DECLINED_COLOUR)],
                        "панель", "num")
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        return [[(lab.get_text(), lab.get_window_extent(renderer).x0,
                  lab.get_window_extent(renderer).x1)
                 for lab in ax.get_xticklabels() if lab.get_text()] for ax in axes]
    finally:
        plt.close(fig)


@pytest.mark.parametrize("n_months", [2, 3, 6, 12])
@pytest.mark.parametrize("panels", [3, 4])
def test_month_labels_do_not_overlap_and_the_last_month_is_named(n_months: int,
                                                                panels: int) -> None:
    for shown in _labels(n_months, panels):
        assert shown[-1][0] == MONTHS[n_months - 1]
        for (_, _, right), (_, left, _) in pairwise(shown):
            assert right < left, shown
