"""The numbers behind the classic engine, in numpy alone: a sparse TF-IDF matrix, non-negative
matrix factorisation, and merging the factors that are fragments of one theme.

scikit-learn did this before; importing it pulls in most of SciPy and took longer than the
analysis itself (about 0.7 s of CPU, several seconds of wall clock on a busy machine), so
``claywork themes --file`` could not answer 500 entries in under 3 s. These are the same
textbook methods (sublinear TF, smoothed IDF, rows scaled to unit length; Lee and Seung's
multiplicative updates from an NNDSVDa start), small enough to read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EPSILON = 1e-9


@dataclass(frozen=True)
class SparseMatrix:
    """Rows x columns in coordinate form, entries sorted by row (enough for NMF)."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    def dot(self, dense: np.ndarray) -> np.ndarray:
        """self @ dense, for dense of shape (columns, k)."""
        return _scatter(self.rows, self.values[:, None] * dense[self.cols], self.shape[0])

    def tdot(self, dense: np.ndarray) -> np.ndarray:
        """self.T @ dense, for dense of shape (rows, k)."""
        return _scatter(self.cols, self.values[:, None] * dense[self.rows], self.shape[1])

    def column_share(self, rows: np.ndarray) -> np.ndarray:
        """For each column, the share of ``rows`` (row indexes) that hold it."""
        chosen = np.isin(self.rows, rows)
        counts = np.bincount(self.cols[chosen], minlength=self.shape[1])
        return counts / max(len(rows), 1)

    def squared_norm(self) -> float:
        return float(np.dot(self.values, self.values))

    def present(self) -> np.ndarray:
        """A dense 0/1 matrix of which terms each row holds."""
        dense = np.zeros(self.shape, dtype=np.float32)
        dense[self.rows, self.cols] = 1.0
        return dense


def _scatter(targets: np.ndarray, contributions: np.ndarray, length: int) -> np.ndarray:
    """Sum the rows of ``contributions`` into ``length`` rows by ``targets`` (one bincount)."""
    width = contributions.shape[1]
    flat = (targets[:, None] * width + np.arange(width)).ravel()
    summed = np.bincount(flat, weights=contributions.ravel(), minlength=length * width)
    return summed.reshape(length, width)


def tfidf(
    token_lists: Sequence[Sequence[str]],
    *,
    min_df: int,
    max_df_share: float,
    max_terms: int,
    weights: Sequence[float] | None = None,
) -> tuple[SparseMatrix, list[str]]:
    """TF-IDF of token lists (rows scaled to unit length). A term must be in ``min_df`` rows
    and at most ``max_df_share`` of them; at most ``max_terms`` terms, the most frequent.
    ``weights`` scale whole rows (a repeated line counts once however often it is written)."""
    rows_count = len(token_lists)
    frequency: Counter[str] = Counter()
    for tokens in token_lists:
        frequency.update(set(tokens))
    ceiling = max_df_share * rows_count
    kept = [term for term, count in frequency.items() if min_df <= count <= ceiling]
    kept.sort(key=lambda term: (-frequency[term], term))
    terms = sorted(kept[:max_terms])
    index = {term: position for position, term in enumerate(terms)}
    rows, cols, values = [], [], []
    for row, tokens in enumerate(token_lists):
        counts = Counter(token for token in tokens if token in index)
        for term, count in counts.items():
            rows.append(row)
            cols.append(index[term])
            values.append(1.0 + np.log(count))
    if not terms or not values:
        empty = np.zeros(0, dtype=np.int64)
        return SparseMatrix(empty, empty, np.zeros(0), (rows_count, len(terms))), terms
    row_array = np.asarray(rows, dtype=np.int64)
    col_array = np.asarray(cols, dtype=np.int64)
    document_frequency = np.asarray([frequency[term] for term in terms], dtype=np.float64)
    idf = np.log((1.0 + rows_count) / (1.0 + document_frequency)) + 1.0
    value_array = np.asarray(values) * idf[col_array]
    norms = np.sqrt(np.bincount(row_array, weights=value_array**2, minlength=rows_count))
    value_array /= np.maximum(norms[row_array], EPSILON)
    if weights is not None:
        value_array *= np.asarray(weights, dtype=np.float64)[row_array]
    return SparseMatrix(row_array, col_array, value_array, (rows_count, len(terms))), terms


def _nndsvda(matrix: SparseMatrix, components: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Boutsidis and Gallopoulos' NNDSVD start (zeros filled with the mean), from a randomised
    truncated SVD (Halko et al.) so no dense SVD of the whole matrix is needed."""
    rng = np.random.default_rng(seed)
    n_rows, n_cols = matrix.shape
    probe = rng.standard_normal((n_cols, min(n_cols, components + 8)))
    basis = _orthonormal(matrix.dot(probe))
    for _ in range(2):  # power iterations sharpen the leading directions
        basis = _orthonormal(matrix.dot(_orthonormal(matrix.tdot(basis))))
    small = matrix.tdot(basis).T  # basis.T @ matrix, a few rows
    # The SVD of a few rows through the eigenvectors of their small Gram matrix.
    eigenvalues, vectors = np.linalg.eigh(small @ small.T)
    order = np.argsort(-eigenvalues)
    singular = np.sqrt(np.maximum(eigenvalues[order], 0.0))
    vectors = vectors[:, order]
    right = (small.T @ vectors / np.maximum(singular, EPSILON)).T
    left = basis @ vectors
    w = np.zeros((n_rows, components))
    h = np.zeros((components, n_cols))
    w[:, 0] = np.sqrt(singular[0]) * np.abs(left[:, 0])
    h[0, :] = np.sqrt(singular[0]) * np.abs(right[0, :])
    for j in range(1, min(components, len(singular))):
        x, y = left[:, j], right[j, :]
        xp, xn = np.maximum(x, 0), np.maximum(-x, 0)
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        xpn, xnn = np.linalg.norm(xp), np.linalg.norm(xn)
        ypn, ynn = np.linalg.norm(yp), np.linalg.norm(yn)
        if xpn * ypn >= xnn * ynn:
            u, v, sigma = xp / (xpn or 1), yp / (ypn or 1), xpn * ypn
        else:
            u, v, sigma = xn / (xnn or 1), yn / (ynn or 1), xnn * ynn
        w[:, j] = np.sqrt(singular[j] * sigma) * u
        h[j, :] = np.sqrt(singular[j] * sigma) * v
    mean = matrix.values.sum() / (n_rows * n_cols)
    w[w < EPSILON] = mean
    h[h < EPSILON] = mean
    return w, h


def _orthonormal(columns: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns of a tall, thin matrix, from the eigenvectors of
    its small Gram matrix. (LAPACK's QR here took 0.1-0.4 s per call on a busy machine, its
    threads fighting for the cores; this takes milliseconds.) Columns that add nothing new
    are dropped."""
    eigenvalues, vectors = np.linalg.eigh(columns.T @ columns)
    keep = eigenvalues > eigenvalues.max() * 1e-10
    basis: np.ndarray = columns @ (vectors[:, keep] / np.sqrt(eigenvalues[keep]))
    return basis


def nmf(
    matrix: SparseMatrix, components: int, *, iterations: int = 200, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """W (rows x components) and H (components x columns), W @ H close to the matrix in the
    Frobenius norm, both non-negative; deterministic for a given seed. Stops early once the
    fit improves by less than 0.1% over 10 updates."""
    w, h = _nndsvda(matrix, components, seed)
    previous = np.inf
    target = matrix.squared_norm()
    for step in range(iterations):
        wtx = matrix.tdot(w).T  # components x columns
        h *= wtx / np.maximum((w.T @ w) @ h, EPSILON)
        xht = matrix.dot(h.T)  # rows x components
        hht = h @ h.T
        w *= xht / np.maximum(w @ hht, EPSILON)
        if step % 10 == 9:
            # ||X - WH||^2 = ||X||^2 - 2 tr(W^T X H^T) + tr(W^T W H H^T), no dense product
            error = target - 2 * np.sum(w * xht) + np.sum((w.T @ w) * hht)
            if previous - error < 1e-3 * max(previous, EPSILON) and np.isfinite(previous):
                break
            previous = error
    return w, h


def merge_groups(similarity: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative merging: join the two most similar groups while their
    mean pairwise similarity is at least ``threshold``. Returns groups of indexes."""
    groups = [[index] for index in range(len(similarity))]
    while len(groups) > 1:
        best, pair = threshold, None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                score = float(similarity[np.ix_(groups[a], groups[b])].mean())
                if score >= best:
                    best, pair = score, (a, b)
        if pair is None:
            break
        a, b = pair
        groups[a] = groups[a] + groups[b]
        del groups[b]
    return groups
