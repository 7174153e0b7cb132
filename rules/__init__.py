"""The rule catalogue, one module per family."""

from .assertions import IneffectiveAssertion, MissingAssertion
from .errors import ErrorOutputSaved, ExitCodeMasking, NoneOnError, SwallowedException, SyntaxErrorRule
from .hygiene import AbsolutePath, HiddenState, MissingTypeHints, UnknownSuppression, WarningsSuppressed
from .io import UncheckedIO
from .requirements import (
    ConflictingRequirement,
    DuplicateRequirement,
    InlineInstall,
    InsecureIndex,
    InvalidRequirement,
    MissingHash,
    UndeclaredImport,
    UnpinnedRequirement,
    UnusedRequirement,
)
from .security import HardcodedSecret

RULES = (
    SyntaxErrorRule,
    UnknownSuppression,
    SwallowedException,
    ExitCodeMasking,
    NoneOnError,
    IneffectiveAssertion,
    MissingAssertion,
    UncheckedIO,
    HiddenState,
    ErrorOutputSaved,
    MissingTypeHints,
    WarningsSuppressed,
    AbsolutePath,
    HardcodedSecret,
    InlineInstall,
    InvalidRequirement,
    UnpinnedRequirement,
    MissingHash,
    ConflictingRequirement,
    DuplicateRequirement,
    UndeclaredImport,
    UnusedRequirement,
    InsecureIndex,
)
