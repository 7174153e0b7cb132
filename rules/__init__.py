"""The rule catalogue, one module per family."""

from .assertions import IneffectiveAssertion, MissingAssertion
from .conflicting_requirement import ConflictingRequirement
from .duplicate_requirement import DuplicateRequirement
from .errors import ErrorOutputSaved, ExitCodeMasking, NoneOnError, SwallowedException, SyntaxErrorRule
from .hygiene import AbsolutePath, HiddenState, MissingTypeHints, UnknownSuppression, WarningsSuppressed
from .inline_install import InlineInstall
from .insecure_index import InsecureIndex
from .invalid_requirement import InvalidRequirement
from .io import UncheckedIO
from .missing_hash import MissingHash
from .security import HardcodedSecret
from .undeclared_import import UndeclaredImport
from .unpinned_requirement import UnpinnedRequirement
from .unused_requirement import UnusedRequirement

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
