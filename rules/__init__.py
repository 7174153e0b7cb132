"""The rule catalogue, one module per family."""

from .assertions import IneffectiveAssertion
from .errors import ErrorOutputSaved, ExitCodeMasking, NoneOnError, SwallowedException, SyntaxErrorRule
from .hygiene import HiddenState, UnknownSuppression

RULES = (
    SyntaxErrorRule,
    UnknownSuppression,
    SwallowedException,
    ExitCodeMasking,
    NoneOnError,
    IneffectiveAssertion,
    HiddenState,
    ErrorOutputSaved,
)
