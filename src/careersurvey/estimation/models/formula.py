"""From a formula and a survey design to the arrays a design-based model is fitted on.

One helper for every model (R survey pastes model-frame code into each estimator; we do not): formulaic
builds the matrices, so terms are named as statsmodels/patsy name them (``stype[T.H]``, ``I(meals / 10)``)
and ``C(...)``/``I(...)`` work. Rows are those R's svyglm/svyolr use: inside the domain (positive weight),
without missing values in the model's variables; factor levels absent from those rows are dropped, as R's
``model.frame(drop.unused.levels = TRUE)`` does. Rows dropped for missing values become a domain of the
design, as R's ``design[-nas, ]``, so the variance still runs over the full design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.linalg

from careersurvey.estimation.codes import MissingCodeError, refuse_missing_codes
from careersurvey.estimation.models.special import split_formula
from careersurvey.estimation.variance import WeightedDeviations

if TYPE_CHECKING:  # pragma: no cover
    from careersurvey.estimation.design import SurveyDesign


class ModelError(ValueError):
    """A model cannot be fitted as asked: bad formula, response, rank or convergence (the message says which)."""


class ModelWarning(UserWarning):
    """A fit that R would also warn about (fitted probabilities of 0 or 1: the data may separate the response)."""


@dataclass(frozen=True, eq=False)
class ModelData:
    """Response, model matrix and weights on the rows a model uses, with the design restricted to them.

    ``rows`` (n,) marks the rows of ``design.data`` in the fit; ``y``, ``X`` and ``weights`` hold only those
    rows; ``lhs`` is the response's encoded columns (one column, or one per level of a categorical);
    ``fit_design`` is the design with every other row outside the domain (for variance and degrees of freedom).
    """

    formula: str
    lhs: pd.DataFrame
    X: np.ndarray
    names: tuple[str, ...]
    rows: np.ndarray
    weights: np.ndarray
    design: SurveyDesign
    fit_design: SurveyDesign
    offset: np.ndarray | None = None
    failures: np.ndarray | None = None
    spec: Any = None
    terms: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def nobs(self) -> int:
        return int(self.rows.sum())

    def sandwich(self, X: np.ndarray, r: np.ndarray, bread: np.ndarray) -> np.ndarray:
        """Design covariance of the coefficients, R's ``svy.varcoef``: bread' V(sum_i x_i r_i) bread.

        The score of fitted row i is ``X[i] * r[i]`` (glm: model row times working residual; ordinal: the
        score rows with r = 1). The influence values are ``score @ bread``; as the design variance is a
        quadratic form, it is taken of the scores, kept factored (:class:`WeightedDeviations`, no n x p
        product), and the bread applied to the small (p, p) result.
        """
        if self.rows.all():
            columns, weight = tuple(X[:, j] for j in range(X.shape[1])), r
        else:  # full-length columns: the variance runs over the whole design, zero outside the fit
            weight = np.zeros(len(self.rows))
            weight[self.rows] = r
            columns = tuple(_expand(X[:, j], self.rows) for j in range(X.shape[1]))
        V = self.fit_design.variance(WeightedDeviations(columns, np.zeros(len(columns)), weight))
        return bread.T @ V @ bread


def _expand(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(len(rows))
    out[rows] = values
    return out


def _drop_unused_levels(frame: pd.DataFrame) -> pd.DataFrame:
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return frame
    frame = frame.copy()
    for c in cats:
        frame[c] = frame[c].cat.remove_unused_categories()
    return frame


def term_label(term: Any) -> str:
    """A term's name with its factors in sorted order (``b:a`` and ``a:b`` are one term), as R's regTermTest
    matches terms."""
    return ":".join(sorted(str(f) for f in term.factors)) if term.factors else "1"


def _extra(expressions: list[str], frame: pd.DataFrame) -> list[np.ndarray]:
    """Each expression (an offset, a cbind's failures) as one float column on the model's rows."""
    from formulaic import model_matrix

    out = []
    for e in expressions:  # one or two expressions, not rows
        mm = model_matrix(f"0 + I({e})", frame, na_action="ignore")
        out.append(np.asarray(mm, dtype=float)[:, 0])
    return out


def formula_parts(formula: str, offset: str | None = None):
    """``formula`` split (:func:`split_formula`): the split, its offset expressions and ``offset``'s, and those
    with a cbind response's failures (every expression beside the terms a row needs)."""
    try:
        split = split_formula(formula)
    except ValueError as exc:
        raise ModelError(str(exc)) from None
    offsets = list(split.offsets) + ([offset] if offset is not None else [])
    extras = offsets + ([split.failures] if split.failures is not None else [])
    return split, offsets, extras


def model_data(design: SurveyDesign, formula: str, offset: str | None = None) -> ModelData:
    """Evaluate ``formula`` ("y ~ x1 + C(g) + I(x2 / 10)") on the design's rows with positive weight.

    ``offset(expr)`` terms (and ``offset``, one more expression) are added to the linear predictor with
    coefficient 1; a ``cbind(successes, failures)`` response gives the successes as ``lhs`` and the failures in
    ``failures`` (R's binomial form). Rows missing any of them leave the fit as rows missing a term do.
    """
    from formulaic import Formula, model_matrix
    from formulaic.errors import FormulaicError

    if not isinstance(formula, str) or "~" not in formula:
        raise ModelError(f"model formula {formula!r} needs a response and predictors, e.g. 'y ~ x1 + x2'")
    split, offsets, extras = formula_parts(formula, offset)
    data = design.data
    inside = np.asarray(design.w) > 0
    pos = np.flatnonzero(inside)
    n_inside = len(pos)
    if n_inside == 0:
        raise ModelError(f"formula {formula!r}: the design (domain) has no rows with positive weight")
    try:
        parsed = Formula(split.core)
        needed = {str(v) for v in parsed.required_variables}
        for e in extras:
            needed |= {str(v) for v in Formula(f"0 + I({e})").required_variables}
        # the model's columns, not copied (data[used] would copy them all); rows of a domain are taken
        used = [c for c in data.columns if c in needed]
        refuse_missing_codes(design, used, "model variable")
        frame = pd.DataFrame({c: data[c] for c in used}, index=data.index, copy=False)
        if len(pos) < len(data):
            frame = frame.iloc[pos]
        # R's na.omit: a row missing any variable the formula uses leaves the fit (also inside I(...))
        incomplete = frame.isna().any(axis=1).to_numpy() if used else np.zeros(len(frame), dtype=bool)
        if incomplete.all():
            raise ModelError(f"formula {formula!r}: every row in the design has a missing value in the model's "
                             f"variables ({', '.join(used)})")
        if incomplete.any():
            frame, pos = frame[~incomplete], pos[~incomplete]
        sub = _drop_unused_levels(frame.reset_index(drop=True))
        mm = model_matrix(parsed, sub, na_action="ignore")
        with np.errstate(divide="ignore", invalid="ignore"):  # a log(0) offset is reported below, by row
            extra_columns = _extra(extras, sub)
    except (ModelError, MissingCodeError):
        raise
    except (FormulaicError, NameError, KeyError, SyntaxError, TypeError, ValueError) as exc:
        missing = _missing_variables(split.core, data)
        hint = (f"variable(s) {', '.join(missing)} not in the data" if missing else str(exc).strip().splitlines()[0])
        raise ModelError(f"formula {formula!r} cannot be evaluated: {hint}. Check the spelling against the "
                         "data's columns; quote strings inside I(...) as in Python.") from exc
    lhs, rhs = mm.lhs, mm.rhs
    rows = np.zeros(len(data), dtype=bool)
    rows[pos] = True
    names = tuple(str(c) for c in rhs.columns)
    spec = rhs.model_spec
    terms = tuple((term_label(t), tuple(int(i) for i in idx)) for t, idx in spec.term_indices.items())
    off = None
    if offsets:
        off = np.sum(extra_columns[:len(offsets)], axis=0)
        if not np.all(np.isfinite(off)):
            bad = int(np.flatnonzero(~np.isfinite(off))[0])
            raise ModelError(f"formula {formula!r}: the offset is not finite on {int((~np.isfinite(off)).sum())} "
                             f"row(s) (first: row {design.data.index[pos[bad]]!r}); e.g. the log of 0. Leave those "
                             "rows out of the design (subset) or correct the offset")
    failures = extra_columns[-1] if split.failures is not None else None
    X = _move_to_matrix(rhs)
    del mm, rhs
    _check_rank(X, names, formula)
    # rows dropped for missing values leave the domain, as R's design[-nas, ] (degf counts what is left)
    fit_design = design if len(pos) == n_inside else design.subset(rows)
    return ModelData(formula=formula, lhs=pd.DataFrame(lhs), X=X, names=names, rows=rows,
                     weights=np.asarray(design.w, dtype=float)[rows], design=design, fit_design=fit_design,
                     offset=off, failures=failures, spec=spec, terms=terms)


def _move_to_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The model matrix as one column-major float array, moved in a column at a time: each column leaves the
    formula engine's frame once copied, so the two never hold the whole matrix together (peak memory on a
    million rows). Column-major blocks of rows are also what the fused IRLS pass reads fastest."""
    X = np.empty(frame.shape, dtype=float, order="F")
    for j, name in enumerate(list(frame.columns)):  # a loop over the p columns, not over rows
        X[:, j] = frame.pop(name).to_numpy(dtype=float)
    return X


def _missing_variables(formula: str, data: pd.DataFrame) -> list[str]:
    """Names the formula refers to that are not columns (reported in the error, never evaluated)."""
    from formulaic import Formula

    try:
        variables = Formula(formula).required_variables
    except Exception:  # noqa: BLE001 - only used to improve a message
        return []
    builtins = {"C", "I", "np", "center", "scale", "poly", "bs", "log", "exp", "sqrt", "contr", "True", "False"}
    return sorted(str(v) for v in variables if str(v) not in data.columns and str(v).split(".")[0] not in builtins)


def gram_full_rank(gram: np.ndarray) -> bool:
    """Whether X'X (given) has full rank: every column non-zero and the correlation-scaled Gram's eigenvalues
    within 1e-12 of its largest (also the engine path's check, which has only X'X)."""
    norms = np.sqrt(np.diag(gram))
    if not np.all(norms > 0):
        return False
    eig = np.linalg.eigvalsh(gram / np.outer(norms, norms))
    return bool(eig[0] > 1e-12 * eig[-1])


def _check_rank(X: np.ndarray, names: tuple[str, ...], formula: str) -> None:
    """Fail on aliased terms (R would report NA coefficients); cheap Gram check, pivoted QR only to name them."""
    if X.shape[0] < X.shape[1]:
        raise ModelError(f"formula {formula!r}: {X.shape[1]} coefficients but only {X.shape[0]} usable rows")
    if X.shape[1] == 0:
        return
    if gram_full_rank(X.T @ X):
        return
    _, r, piv = scipy.linalg.qr(X, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > diag[0] * 1e-7).sum()) if diag.size and diag[0] > 0 else 0
    if rank < X.shape[1]:
        aliased = [names[i] for i in sorted(piv[rank:])]
        raise ModelError(f"formula {formula!r}: term(s) {', '.join(aliased)} are linear combinations of the "
                         "others on the rows used (a level absent in the domain, or a duplicated term); "
                         "remove them from the formula")


def r_weight_scale(design: SurveyDesign) -> float:
    """The mean weight R's svyglm divides the weights by (``rescale = TRUE``): over every row R's design holds,
    rows with missing values included: a domain of an uncalibrated (or any replicate) design holds only its own
    rows, a domain of a calibrated one all rows (weight 0 outside). Scales the deviance and the naive covariance
    (hence R's working LRT statistic and pseudo-R²), never the coefficients or their design SEs."""
    w = np.asarray(design.w, dtype=float)
    held = design.active
    if held is None and design.replicates is not None:
        held = w > 0
    return float(w.mean()) if held is None else float(w[held].mean())
