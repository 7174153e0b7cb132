"""The rule catalogue, one module per rule, named for it."""

from .absolute_path import AbsolutePath
from .error_output_saved import ErrorOutputSaved
from .exit_code_masking import ExitCodeMasking
from .hardcoded_secret import HardcodedSecret
from .hidden_state import HiddenState
from .ineffective_assertion import IneffectiveAssertion
from .missing_assertion import MissingAssertion
from .missing_type_hints import MissingTypeHints
from .none_on_error import NoneOnError
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
from .swallowed_exception import SwallowedException
from .syntax_error import SyntaxErrorRule
from .unchecked_io import UncheckedIO
from .unknown_suppression import UnknownSuppression
from .warnings_suppressed import WarningsSuppressed

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
