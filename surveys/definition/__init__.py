"""The survey definition: its JSON format (docs/survey-definition.md), validation, logic and answers.

Pure functions over plain dicts, with no database access, so the same rules can be mirrored exactly by
the browser (frontend/survey/logic.ts) and checked against one shared table of cases.
"""

from surveys.definition.answers import AnswerError, validate_answer
from surveys.definition.logic import Context, evaluate, next_step, walk
from surveys.definition.piping import pipe
from surveys.definition.schema import DefinitionError, validate_definition

__all__ = [
    "AnswerError",
    "Context",
    "DefinitionError",
    "evaluate",
    "next_step",
    "pipe",
    "validate_answer",
    "validate_definition",
    "walk",
]
