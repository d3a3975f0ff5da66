"""aftercare_nlu.features builds exactly the matrices Rasa's own combination builds.

DIET's prediction stacks each message's sparse features (regex, word counts, char
n-grams) with `combine_features` instead of Rasa's `Message._combine_features`; its
input tensors, and so every intent and entity, stay the same only if the combined
matrices are identical: values, order, dtypes, shape. Runs in the Rasa venv (Rasa's
Message and its scipy); the served responses themselves were compared when this was
introduced (all test and training sentences, byte-identical JSON).
"""

from __future__ import annotations

from tests.nlu import rasa_script

_CHECK = """
import importlib.util, json
import numpy as np, scipy.sparse as sp
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from nlu import paths
spec = importlib.util.spec_from_file_location(
    "aftercare_features", paths.PROJECT_DIR / "aftercare_nlu" / "features.py")
features = importlib.util.module_from_spec(spec)
spec.loader.exec_module(features)

rng = np.random.default_rng(7)
def block(rows, cols, nnz, dtype, kind=sp.coo_matrix):
    r = rng.integers(0, rows, nnz).astype(np.int32)
    c = rng.integers(0, cols, nnz).astype(np.int32)
    d = rng.integers(1, 4, nnz).astype(dtype)
    return kind((d, (r, c)), shape=(rows, cols))

def same(a, b):
    if a is None or b is None:
        return a is b
    x, y = a.features, b.features
    if type(x) is not type(y) or x.shape != y.shape or x.dtype != y.dtype:
        return False
    if [type(n) for n in x.shape] != [type(n) for n in y.shape]:
        return False
    if (a.type, a.attribute, a.origin) != (b.type, b.attribute, b.origin):
        return False
    if isinstance(x, sp.coo_matrix):
        return (x.row.dtype == y.row.dtype and x.col.dtype == y.col.dtype
                and np.array_equal(x.row, y.row) and np.array_equal(x.col, y.col)
                and np.array_equal(x.data, y.data)
                and x.has_canonical_format == y.has_canonical_format)
    if isinstance(x, np.ndarray):
        return np.array_equal(x, y)
    return (x != y).nnz == 0

# The served layout (regex float64 10 columns, word and char counts int64) and others.
layouts = [
    [(10, 0, np.float64), (1424, 4, np.int64), (6718, 34, np.int64)],
    [(10, 3, np.float64), (1424, 9, np.int64), (6718, 60, np.int64)],
    [(10, 0, np.float64), (1424, 0, np.int64), (6718, 0, np.int64)],
    [(5, 2, np.int64), (7, 3, np.float32)],
    [(3, 1, np.float32), (4, 2, np.float32), (5, 2, np.int32), (6, 1, np.float64)],
    [(70000, 5, np.int64), (1, 1, np.int64)],
]
checked = 0
for rows in (1, 5, 40):
    for layout in layouts:
        for featurizers in ([], ["a", "b"]):
            fs = [Features(block(rows, c, n, d), "sequence", "text", f"f{i}")
                  for i, (c, n, d) in enumerate(layout)]
            assert same(Message._combine_features(fs, featurizers),
                        features.combine_features(fs, featurizers)), (rows, layout)
            checked += 1
# Rasa's own path for everything else: one block, none, CSR blocks, dense.
for fs in ([], [Features(block(2, 3, 2, np.int64), "sentence", "text", "x")],
           [Features(block(2, 3, 2, np.int64, sp.csr_matrix), "sentence", "text", "x")] * 2,
           [Features(np.ones((2, 3)), "sentence", "text", "x")] * 2):
    assert same(Message._combine_features(fs, []), features.combine_features(fs, [])), fs
    checked += 1

m = Message(data={"text": "空调不制冷"}, features=[
    Features(block(4, c, n, d), t, "text", f"f{i}")
    for t in ("sequence", "sentence")
    for i, (c, n, d) in enumerate(layouts[1])])
lean = features.LeanCombineMessage.sharing(m)
assert lean.features is m.features and lean.data == m.data
for ours, theirs in zip(lean.get_all_features("text"), m.get_all_features("text")):
    assert same(ours, theirs)
    checked += 1
print(json.dumps({"checked": checked}))
"""


def test_combined_features_are_identical_to_rasas():
    assert rasa_script.run(_CHECK)["checked"] > 40
