"""The rule catalogue, one module per rule, named for it."""

from .absolute_path import AbsolutePath
from .conflicting_requirement import ConflictingRequirement
from .duplicate_requirement import DuplicateRequirement
from .empty_cell import EmptyCell
from .error_output_saved import ErrorOutputSaved
from .exit_code_masking import ExitCodeMasking
from .hardcoded_secret import HardcodedSecret
from .hidden_state import HiddenState
from .ineffective_assertion import IneffectiveAssertion
from .inline_install import InlineInstall
from .insecure_index import InsecureIndex
from .insecure_tls import InsecureTLS
from .invalid_notebook import InvalidNotebook
from .invalid_requirement import InvalidRequirement
from .late_import import LateImport
from .long_cell import LongCell
from .missing_assertion import MissingAssertion
from .missing_closing_markdown import MissingClosingMarkdown
from .missing_hash import MissingHash
from .missing_opening_markdown import MissingOpeningMarkdown
from .missing_title import MissingTitle
from .missing_type_hints import MissingTypeHints
from .never_executed import NeverExecuted
from .non_portable_filename import NonPortableFilename
from .none_on_error import NoneOnError
from .skipped_execution_count import SkippedExecutionCount
from .swallowed_exception import SwallowedException
from .syntax_error import SyntaxErrorRule
from .unchecked_io import UncheckedIO
from .undeclared_import import UndeclaredImport
from .undefined_name import UndefinedName
from .unexecuted_cell import UnexecutedCell
from .unknown_suppression import UnknownSuppression
from .unpinned_requirement import UnpinnedRequirement
from .unused_requirement import UnusedRequirement
from .warnings_suppressed import WarningsSuppressed

RULES = (
    SyntaxErrorRule,
    UnknownSuppression,
    InvalidNotebook,
    UndefinedName,
    SwallowedException,
    ExitCodeMasking,
    NoneOnError,
    IneffectiveAssertion,
    MissingAssertion,
    UncheckedIO,
    HiddenState,
    NeverExecuted,
    UnexecutedCell,
    SkippedExecutionCount,
    ErrorOutputSaved,
    MissingTypeHints,
    WarningsSuppressed,
    AbsolutePath,
    HardcodedSecret,
    InsecureTLS,
    InlineInstall,
    InvalidRequirement,
    UnpinnedRequirement,
    MissingHash,
    ConflictingRequirement,
    DuplicateRequirement,
    UndeclaredImport,
    UnusedRequirement,
    InsecureIndex,
    EmptyCell,
    LateImport,
    LongCell,
    MissingTitle,
    MissingOpeningMarkdown,
    MissingClosingMarkdown,
    NonPortableFilename,
)
