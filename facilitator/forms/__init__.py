"""Forms as data: FHIR ``Questionnaire`` files, their validation, answers and scoring.

Pure Python (no Qt, no database) so services, UI and tests share one definition of a form.
"""

from facilitator.forms.answers import AnswerError, is_enabled, validate_answers
from facilitator.forms.definitions import (
    AnswerOption,
    EnableWhen,
    FormDefinition,
    FormError,
    Item,
)
from facilitator.forms.loader import (
    FormsLoad,
    default_forms_path,
    load_form_file,
    load_forms,
    parse_form,
)
from facilitator.forms.scoring import Flag, Score, score

__all__ = [
    "AnswerError",
    "AnswerOption",
    "EnableWhen",
    "Flag",
    "FormDefinition",
    "FormError",
    "FormsLoad",
    "Item",
    "Score",
    "default_forms_path",
    "is_enabled",
    "load_form_file",
    "load_forms",
    "parse_form",
    "score",
    "validate_answers",
]
