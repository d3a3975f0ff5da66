"""One-step combination of a message's sparse features, for DIET's prediction path.

Rasa's `Message._combine_features` deep-copies the first featurizer's matrix and then
calls `scipy.sparse.hstack` once per further featurizer (regex, word counts, char
n-grams: two stackings each for the sequence and the sentence features). For one
short message that is ~0.5 ms of generic block-matrix machinery per feature type, on
matrices with a few dozen non-zeros. Here the COO arrays are concatenated once.

The result must be the very matrix Rasa would build, because DIET turns it into its
input tensors: same data in the same order, same dtype (scipy's own upcast, as in
`bmat`), same index dtype (the COO constructor picks it, as in `bmat`), same shape and
Features metadata. tests/nlu/test_lean_diet.py compares the two on many layouts.
Anything that is not a stack of two or more COO matrices goes to Rasa's own code.

No Rasa model or TensorFlow import here, so the test can load this file on its own.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

# bmat's dtype rule; private, but scipy is pinned in the Rasa venv and the test would
# catch a change.
from scipy.sparse._sputils import upcast


def combine_features(features: list[Features], featurizers: list[str]) -> Features | None:
    matrices = [f.features for f in features]
    if len(matrices) < 2 or not all(type(m) is scipy.sparse.coo_matrix for m in matrices):
        return Message._combine_features(features, featurizers)
    rows = matrices[0].shape[0]
    if any(m.shape[0] != rows for m in matrices):
        return Message._combine_features(features, featurizers)  # raises Rasa's error
    columns, offset = [], 0
    for m in matrices:
        columns.append(m.col + offset if offset else m.col)
        offset += m.shape[1]
    data = np.concatenate([m.data for m in matrices]).astype(
        upcast(*[m.dtype for m in matrices]), copy=False
    )
    combined = scipy.sparse.coo_matrix(
        (data, (np.concatenate([m.row for m in matrices]), np.concatenate(columns))),
        shape=(rows, offset),
    )
    first = features[0]
    return Features(combined, first.type, first.attribute, featurizers)


class LeanCombineMessage(Message):
    """A Message whose feature getters combine with `combine_features`."""

    @staticmethod
    def _combine_features(features: list[Features], featurizers: list[str]) -> Features | None:
        return combine_features(features, featurizers)

    @classmethod
    def sharing(cls, message: Message) -> LeanCombineMessage:
        # Same data and the same feature objects; nothing is written back through it.
        return cls(
            data=message.data,
            output_properties=message.output_properties,
            time=message.time,
            features=message.features,
        )
