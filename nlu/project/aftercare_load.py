"""Load DIET's weights without tracing its training graph (serving only).

Rasa 3.6's `RasaModel.load` creates the Keras model's variables by `fit` on one example
(tracing the whole training step: forward pass, losses, gradients, Adam; then running
it once), overwrites every variable with `load_weights`, and then traces the
prediction graph with one `run_inference`. On 2 cores the training trace is most of
the server's start-up.

`LeanLoadingDIET.load` creates the same variables by one *eager* prediction step on the
stored example (no tracing), restores the trained values into them with the same
`load_weights`, checks that every variable it created got a value from the checkpoint
(`assert_existing_objects_matched`), and then makes the same `run_inference` as Rasa,
which prepares the label embeddings from the loaded weights and traces the prediction
graph (without AutoGraph, see below). What Rasa's path creates beyond that (Adam's
slots, the training losses' variables) is never read when predicting.
tests/nlu/test_lean_load.py checks that both loads give the same variables and the
same parses.

`install()` points `aftercare_nlu.LeanDIETClassifier` at this model class; the serving
launcher (aftercare_serve.py) calls it. It lives beside the project, not in
aftercare_nlu/: it changes how a model is loaded, not what is trained, so it is no
training input (nlu/paths.py hashes those into the model's name) and the same model
file serves either way. Fine-tuning and a model without a stored example go to
Rasa's own `load`.
"""

from __future__ import annotations

import logging
from typing import Any

import tensorflow as tf
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils import train_utils
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData

logger = logging.getLogger(__name__)


class LeanLoadingDIET(DIET):
    """Rasa's DIET model; only `load` builds the variables differently."""

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> DIET:
        config = kwargs.get("config", {})
        if finetune_mode or not predict_data_example or config.get(RUN_EAGERLY):
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode,
                *args, **kwargs,
            )  # fmt: skip
        logger.debug(f"Loading the model from {model_file_name} (lean: no training trace)")
        model = cls(*args, **kwargs)
        # As Rasa does: the optimizer is part of the checkpoint's object graph.
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
            run_eagerly=False,
        )
        # One eager prediction step creates every variable prediction uses (and
        # computes with their random initial values, which are thrown away).
        batch = _first_batch(predict_data_example)
        model.predict_step(batch)
        status = model.load_weights(model_file_name)
        # Every variable created above got its trained value; what stays unmatched in
        # the checkpoint belongs to training only (Adam's slots, loss layers).
        status.assert_existing_objects_matched()
        status.expect_partial()
        # From here on Rasa's path after its load_weights: label embeddings from the
        # loaded weights, then the traced prediction graph, with the same input
        # signature as Rasa's `_rasa_predict` gives it. Traced without AutoGraph: its
        # source-to-source rewrite of DIET's Python is most of the trace's time, and
        # it only changes Python control flow that depends on a tensor's value, which
        # without it fails to trace instead of tracing differently.
        model.prepared_for_prediction = False
        model._tf_predict_step = tf.function(
            model.predict_step,
            input_signature=model._dynamic_signature(batch),
            autograph=False,
        )
        model.run_inference(predict_data_example)
        logger.debug("Finished loading the model.")
        return model


def _first_batch(model_data: RasaModelData) -> tuple:
    # The batch run_inference would feed first (same generator, batch size 1).
    data_generator, _ = train_utils.create_data_generators(
        model_data=model_data, batch_sizes=1, epochs=1, shuffle=False
    )
    return next(iter(data_generator))[0]


def install() -> None:
    """Serve LeanDIETClassifier's models through LeanLoadingDIET.load."""
    from aftercare_nlu.diet import LeanDIETClassifier

    LeanDIETClassifier.model_class = staticmethod(lambda: LeanLoadingDIET)
