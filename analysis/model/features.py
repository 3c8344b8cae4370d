"""What reaches the model and how it is encoded.

Model inputs are the glossary's behavioural and profile columns,
:data:`MODEL_FEATURES` = ``NUMERIC + CATEGORICAL`` (including the derived
month-on-month changes of revenue and minutes). Deliberately left out:

* ``id`` and row order: the export is sorted by the target in id blocks, so
  ``id`` alone separates the classes (ROC AUC 0.98). :func:`assert_no_identifier`
  refuses any column that looks like an identifier, and the model's fitting
  entry point calls it.
* ``Прибыль`` (profit): it decides who is *worth* an offer (risk × profit), so
  it must stay an independent axis of the risk × profit map rather than an
  input of the risk itself.
* the target ``Покупательская активность``.

Encoding (one :class:`~sklearn.compose.ColumnTransformer`, pandas output on
its own, NumPy output inside the model's pipeline; the names reach SHAP through
``get_feature_names_out``):

* numeric columns: :class:`~sklearn.preprocessing.StandardScaler` for every
  model family (trees are unaffected by a monotone rescaling, distance and
  kernel models need it);
* ``Популярная_категория``: one-hot, ``handle_unknown="ignore"`` (a category
  that appears only in a later export becomes all zeros);
* ``Тип сервиса`` (стандарт < премиум) and ``Разрешить сообщать`` (нет < да):
  ordinal 0/1; an unknown value is encoded as ``-1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from analysis import glossary as g

__all__ = [
    "MODEL_FEATURES",
    "NOT_FEATURES",
    "ORDINAL_LEVELS",
    "LeakageError",
    "assert_no_identifier",
    "build_pipeline",
    "build_preprocessor",
    "check_feature_frame",
    "feature_frame",
    "feature_sources",
    "target_vector",
]

MODEL_FEATURES: tuple[str, ...] = (*g.NUMERIC, *g.CATEGORICAL)
NOT_FEATURES: dict[str, str] = {
    "id": "идентификатор клиента: выгрузка отсортирована по целевому признаку",
    g.PROFIT: "прибыль решает, кому стоит делать предложение, и не входит в оценку риска",
    g.TARGET: "целевой признак",
}
ORDINAL_LEVELS: dict[str, tuple[str, ...]] = {
    g.SERVICE: ("стандарт", "премиум"),
    g.PERMISSION: ("нет", "да"),
}
ONE_HOT: tuple[str, ...] = tuple(c for c in g.CATEGORICAL if c not in ORDINAL_LEVELS)
UNKNOWN_LEVEL = -1
_ID_NAMES = {"id", "clientid", "customerid", "index", "unnamed0", "level0", "rownumber"}
_MIN_ROWS_FOR_PATTERN = 10


class LeakageError(ValueError):
    """A column that identifies clients or row order was about to reach the model."""


def feature_frame(clients: pd.DataFrame) -> pd.DataFrame:
    """The model inputs of ``clients`` (index ``id`` kept, columns in glossary order)."""
    missing = [c for c in MODEL_FEATURES if c not in clients.columns]
    if missing:
        raise ValueError(f"нет признаков модели: {', '.join(missing)}")
    return clients.loc[:, list(MODEL_FEATURES)]


def target_vector(clients: pd.DataFrame) -> pd.Series:
    """1 for ``Снизилась`` (the positive class), 0 for ``Прежний уровень``."""
    target = clients[g.TARGET]
    unknown = sorted(set(target.dropna()) - {g.DECLINED, g.STABLE})
    if unknown or target.isna().any():
        raise ValueError(f"неизвестные значения целевого признака: {unknown or 'пропуски'}")
    return (target == g.DECLINED).astype(np.int64).rename("declined")


def _normalised(name: object) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _identifier_reason(values: pd.Series, index: pd.Index) -> str | None:
    column = values.dropna()
    n = len(column)
    if n < _MIN_ROWS_FOR_PATTERN or column.nunique() != n:
        return None
    if not pd.api.types.is_numeric_dtype(column):
        return "все значения различны (похоже на идентификатор)"
    numbers = column.to_numpy(dtype=float)
    if (pd.api.types.is_numeric_dtype(index.dtype) and len(index) == len(values)
            and np.array_equal(np.sort(numbers), np.sort(index.to_numpy(dtype=float)))):
        return "значения совпадают с индексом клиентов"
    steps = np.diff(numbers)
    if (steps > 0).all() or (steps < 0).all():
        return "значения строго монотонны по порядку строк"
    if np.allclose(numbers, np.round(numbers)):
        ordered = np.sort(numbers)
        if np.allclose(np.diff(ordered), 1.0):
            return "значения — подряд идущие целые числа (похоже на номер строки или id)"
    return None


def assert_no_identifier(X: pd.DataFrame) -> None:
    """Refuse a feature frame in which ``id`` or row order could reach the model.

    A column is refused when its name is an identifier's (``id``, ``index``,
    ``Unnamed: 0`` …), or, with at least 10 rows and all values distinct, when
    its values are a permutation of the index, strictly monotone in row
    order, consecutive integers, or distinct non-numeric labels.

    Raises
    ------
    LeakageError
        Naming the column and the reason.
    """
    for column in X.columns:
        if _normalised(column) in _ID_NAMES:
            raise LeakageError(f"столбец «{column}» — идентификатор и не может быть признаком")
        reason = _identifier_reason(X[column], X.index)
        if reason:
            raise LeakageError(f"столбец «{column}» не может быть признаком: {reason}")


def check_feature_frame(X: pd.DataFrame) -> None:
    """Check a frame before fitting: no identifier, exactly :data:`MODEL_FEATURES`."""
    assert_no_identifier(X)
    missing = [c for c in MODEL_FEATURES if c not in X.columns]
    extra = [c for c in X.columns if c not in MODEL_FEATURES]
    if missing or extra:
        raise ValueError(
            "признаки модели не совпадают с глоссарием: "
            f"нет {missing or '—'}, лишние {extra or '—'}")


def build_preprocessor() -> ColumnTransformer:
    """Scaler for numeric columns, one-hot for the category, ordinal for the two binaries."""
    ordinal = list(ORDINAL_LEVELS)
    transformer = ColumnTransformer(
        [
            ("num", StandardScaler(), list(g.NUMERIC)),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(ONE_HOT)),
            ("ord", OrdinalEncoder(
                categories=[list(ORDINAL_LEVELS[c]) for c in ordinal],
                handle_unknown="use_encoded_value", unknown_value=UNKNOWN_LEVEL,
                dtype=np.float64), ordinal),
        ],
        remainder="drop",
        verbose_feature_names_out=True,
    )
    return transformer.set_output(transform="pandas")


def build_pipeline(estimator: BaseEstimator) -> Pipeline:
    """``features`` (the preprocessor) followed by ``model`` (the estimator).

    Inside the pipeline the preprocessor hands the estimator a NumPy array, as
    in the search (:mod:`analysis.model.search`): the same numbers as the
    pandas output, so the same fitted model and scores, without building a
    frame on every fit and prediction (a third of a boosting pipeline's fit on
    ~1,000 clients). The column names are the preprocessor's
    ``get_feature_names_out()``.
    """
    features = build_preprocessor().set_output(transform="default")
    return Pipeline([("features", features), ("model", estimator)])


def feature_sources(preprocessor: ColumnTransformer) -> dict[str, str]:
    """Map each output column of a fitted preprocessor to its export column.

    One-hot columns (``cat__Популярная_категория_Кухонная посуда``) map to
    ``Популярная_категория``; every other output maps to its input.
    """
    sources: dict[str, str] = {}
    for name, transformer, columns in preprocessor.transformers_:
        if name == "remainder" or transformer == "drop":
            continue
        outputs = transformer.get_feature_names_out(list(columns))
        for output in outputs:
            matches = [c for c in columns if output == c or output.startswith(f"{c}_")]
            source = max(matches, key=len)
            sources[f"{name}__{output}"] = source
    return sources
