"""A submitted issue form, read back from the body GitHub renders for it.

GitHub writes each field as a `### <label>` heading, a blank line, and the answer (`_No response_` when
it was left empty), in the form's order. The body is untrusted: anyone who can open an issue writes
it, and can edit it afterwards into anything at all. So it is read strictly: its headings must be
exactly one form's labels, in order, each once; every answer is one line (all our fields are one-line
inputs or dropdowns); a dropdown's answer is one of its options. Anything else is refused with a
`Refusal` that names the field, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..problems import clip
from ..yamlload import yaml11_reading
from .spec import Form

NO_RESPONSE = "_No response_"
MAX_BODY_CHARS = 65_536  # GitHub refuses a longer issue body; a longer file is not an issue's body
_HEADING = re.compile(r"### (.*)")


@dataclass(frozen=True, slots=True)
class Refusal:
    """What to fix, in the words of the form: the field's label (None: the request as a whole)."""

    label: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Submission:
    form: Form
    values: dict[str, str]  # field id -> answer (a dropdown's option value); empty answers left out

    def get(self, field_id: str) -> str | None:
        return self.values.get(field_id)


NOT_A_FORM = ("This issue is not one of the request forms, or its headings were changed. Open the form again "
              "from the partner page (or New issue, then the form), and fill it in without changing its headings.")


def parse(body: str, forms: tuple[Form, ...]) -> Submission | list[Refusal]:
    if len(body) > MAX_BODY_CHARS:
        return [Refusal(None, f"The request is {len(body):,} characters long; a form's answers are far shorter "
                              f"(GitHub keeps at most {MAX_BODY_CHARS:,}). Open the form again and fill it in.")]
    # Browsers send line ends as CRLF; a lone CR left over is inside an answer, where it is refused.
    lines = body.replace("\r\n", "\n").split("\n")
    headings: list[str] = []
    answers: list[list[str]] = []
    for line in lines:
        match = _HEADING.fullmatch(line)
        if match:
            headings.append(match.group(1).strip())
            answers.append([])
        elif answers:
            answers[-1].append(line)
        elif line.strip():
            return [Refusal(None, NOT_A_FORM)]  # text before the first heading: not what GitHub renders
    form = next((f for f in forms if f.labels == tuple(headings)), None)
    if form is None:
        return [Refusal(None, NOT_A_FORM)]
    values: dict[str, str] = {}
    refusals: list[Refusal] = []
    for field, answer_lines in zip(form.fields, answers, strict=True):
        answer = "\n".join(answer_lines).strip("\n").strip(" \t")
        if answer == NO_RESPONSE:
            answer = ""
        # A line break of any kind (CR, U+2028, U+0085 ...) in an answer would be a second line in the file,
        # or a header line in a mail: no field of ours takes more than one line.
        if answer and answer.splitlines() != [answer]:
            refusals.append(Refusal(field.label, "write the answer on one line"))
            continue
        if not answer:
            if field.required:
                refusals.append(Refusal(field.label, "this answer is needed"))
            continue
        if field.dropdown:
            value = field.value_of(answer)
            if value is None:
                choices = "; ".join(o.label for o in field.options)
                refusals.append(Refusal(field.label, f"{clip(answer)!r} is not one of the choices ({choices})"))
                continue
            answer = value
        elif (reading := yaml11_reading(answer)) is not None:
            # The file would hold a word YAML tools disagree on (validation refuses it even quoted); the
            # person who filled the form is told so in their terms, not the schema's.
            refusals.append(Refusal(field.label, f"{clip(answer)!r} on its own cannot be kept (YAML tools read it "
                                                 f"as {reading}): say it in a few more words"))
            continue
        values[field.id] = answer
    return refusals or Submission(form, values)
