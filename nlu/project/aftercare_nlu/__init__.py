"""Custom Rasa components for the Aftercare pipeline (loaded by the Rasa venv only).

config.yml names them as `aftercare_nlu.<Class>`; the `aftercare nlu` commands put
nlu/project on PYTHONPATH so Rasa can import them when training and serving.
"""

from aftercare_nlu.diet import LeanDIETClassifier
from aftercare_nlu.ensemble import IntentEnsemble
from aftercare_nlu.entity_ownership import EntityOwnership
from aftercare_nlu.social import SocialLexicon, SocialRescue
from aftercare_nlu.tokenizer import SpacelessJiebaTokenizer
from aftercare_nlu.unknown_text import UnknownTextGuard

__all__ = [
    "EntityOwnership",
    "IntentEnsemble",
    "LeanDIETClassifier",
    "SocialLexicon",
    "SocialRescue",
    "SpacelessJiebaTokenizer",
    "UnknownTextGuard",
]
