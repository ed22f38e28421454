"""Rule set types (信用评价规则集): a stored rule set, a validation answer and the measures catalog it defines."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from domain.evaluation import StoredRuleSet
from schema.enums import Grade, SubjectClass
from schema.types import Region, region_of


@strawberry.type(name="RuleSet", description="信用评价规则集: a versioned rule set of a jurisdiction, as data.")
class RuleSetType:
    stored: strawberry.Private[StoredRuleSet]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.stored.id))

    @strawberry.field
    def code(self) -> str:
        return self.stored.code

    @strawberry.field
    def version(self) -> int:
        return self.stored.version

    @strawberry.field
    def name(self) -> str:
        return self.stored.name

    @strawberry.field(description="draft, active or retired.")
    def status(self) -> str:
        return self.stored.status

    @strawberry.field(description="The bureau whose rule set it is.")
    def jurisdiction(self) -> Region:
        return region_of(self.stored.jurisdiction)

    @strawberry.field(description="What the rule set says, and which reading of its source it took.")
    def description(self) -> str:
        return str(self.stored.body.get("description", ""))

    @strawberry.field
    def effective_from(self) -> date:
        return self.stored.effective_from

    @strawberry.field
    def effective_to(self) -> date | None:
        return self.stored.effective_to

    @strawberry.field
    def created_by(self) -> str:
        return self.stored.created_by

    @strawberry.field
    def activated_by(self) -> str | None:
        return self.stored.activated_by

    @strawberry.field
    def activated_at(self) -> datetime | None:
        return self.stored.activated_at

    @strawberry.field(description="The rule set as JSON (the form draftRuleSet takes).")
    def body(self) -> JSON:
        return self.stored.body


@strawberry.type(description="One problem of a rule set (规则集问题): where it is and what is wrong.")
class RuleSetProblem:
    path: str = strawberry.field(description="Where in the JSON, e.g. ruleset.bands or ruleset.items[2].points.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")
    message_en: str = strawberry.field(description="The same in English.")


@strawberry.type(description="Whether a rule set's JSON is valid, and every problem when it is not.")
class RuleSetValidation:
    valid: bool
    problems: list[str] = strawberry.field(description="Each problem in Chinese, one per entry.")
    problem_details: list[RuleSetProblem] = strawberry.field(
        description="Each problem with its path, in Chinese and in English.")

    @classmethod
    def refused(cls, message: str, message_en: str, details: object) -> RuleSetValidation:
        """The validation of a rule set ``parse_ruleset`` refused: its problems one by one."""
        found = [RuleSetProblem(path=str(p.get("path", "ruleset")), message=str(p.get("message", "")),
                                message_en=str(p.get("en", p.get("message", ""))))
                 for p in (details if isinstance(details, list) else []) if isinstance(p, dict)]
        if not found:  # refused as a whole (not a JSON object, say): one problem at the root
            found = [RuleSetProblem(path="ruleset", message=message, message_en=message_en)]
        return cls(valid=False, problems=[p.message for p in found], problem_details=found)


@strawberry.type(description="A measure a rule set defines (结果应用目录).")
class MeasureDefinition:
    code: str
    description: str
    clause: str
    params: JSON
    discretionary: bool
    condition: str | None
    subject_classes: list[SubjectClass] | None = strawberry.field(description="None: every class it covers.")
    service_scopes: list[str] | None


@strawberry.type(description="The measures a rule set defines for one grade.")
class GradeMeasures:
    grade: Grade
    measures: list[MeasureDefinition]
