"""The rule catalogue, one module per rule, named for it."""

from .absolute_path import AbsolutePath
from .conflicting_requirement import ConflictingRequirement
from .duplicate_requirement import DuplicateRequirement
from .error_output_saved import ErrorOutputSaved
from .exit_code_masking import ExitCodeMasking
from .hardcoded_secret import HardcodedSecret
from .hidden_state import HiddenState
from .ineffective_assertion import IneffectiveAssertion
from .inline_install import InlineInstall
from .insecure_index import InsecureIndex
from .invalid_requirement import InvalidRequirement
from .missing_assertion import MissingAssertion
from .missing_hash import MissingHash
from .missing_type_hints import MissingTypeHints
from .none_on_error import NoneOnError
from .swallowed_exception import SwallowedException
from .syntax_error import SyntaxErrorRule
from .unchecked_io import UncheckedIO
from .undeclared_import import UndeclaredImport
from .unknown_suppression import UnknownSuppression
from .unpinned_requirement import UnpinnedRequirement
from .unused_requirement import UnusedRequirement
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
