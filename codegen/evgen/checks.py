"""The validator model's vocabulary: what one schema location checks, as dataclasses.

validator_model builds these and makes every decision while doing so (which
checks exist, which fold to a constant, which bit of `seen` tracks a member,
where a quiet probe may stop early, which function parameters go unused);
validate.c.j2 prints them and fixtures.Evaluator runs them, check by check.
Each check's `kind` names the template branch that prints it.
"""

from dataclasses import dataclass, field
from typing import ClassVar, List, Optional


@dataclass(frozen=True)
class Sub:
    """How a subschema is applied: a call to function `fn`, or a boolean schema (`const`)."""

    fn: Optional[str] = None
    const: Optional[bool] = None
    path: Optional[str] = None     # schema path of the subschema

    @property
    def always(self):
        return self.const is True

    @property
    def never(self):
        return self.const is False


@dataclass
class Check:
    """One step of a function's straight line."""

    kind: ClassVar[str] = ""
    # Return false before this check when probing quietly and an earlier check failed.
    quiet_exit: bool = field(default=False, kw_only=True)

    def reads_instance(self):
        return True


# ---- checks on any value -------------------------------------------------------------


@dataclass
class Apply(Check):
    """A subschema applied to the same instance ($ref, allOf, a folded if)."""

    kind: ClassVar[str] = "apply"
    sub: Sub
    keyword: str
    schema_path: str


@dataclass
class Fail(Check):
    """A check whose outcome is known when generating: it always fails (`false`, `not: true`, `enum: []`, ...)."""

    kind: ClassVar[str] = "fail"
    keyword: str
    schema_path: str
    message: str

    def reads_instance(self):
        return False


@dataclass
class TypeCheck(Check):
    kind: ClassVar[str] = "type"
    types: List[str]
    expected: str
    schema_path: str


@dataclass
class Literal:
    """How one literal is compared: `how` is true/false/null/string/number (a direct C test) or deep."""

    how: str
    value: Optional[str] = None    # the string, or the number as a C double literal
    index: Optional[int] = None    # deep: index into the constants parsed at init


@dataclass
class ConstCheck(Check):
    kind: ClassVar[str] = "const"
    test: Literal
    describe: str
    schema_path: str


@dataclass
class StringGroup:
    length: int                    # bytes
    values: List[str]


@dataclass
class EnumCheck(Check):
    kind: ClassVar[str] = "enum"
    tests: List[Literal]
    string_groups: Optional[List[StringGroup]]   # all strings: dispatch on strlen, then memcmp
    describe: str
    schema_path: str


# ---- numbers and strings ----------------------------------------------------------------


@dataclass
class Bound:
    keyword: str
    op: str                        # C comparison the value must satisfy
    value: str                     # C double literal
    text: str                      # as written in the schema
    schema_path: str


@dataclass
class MultipleOf:
    text: str
    schema_path: str
    pow10: Optional[int]           # k when the divisor is 10^k (decided from the digits)


@dataclass
class NumberCheck(Check):
    kind: ClassVar[str] = "number"
    bounds: List[Bound]
    multiple: Optional[MultipleOf]


@dataclass
class Limit:
    """A count limit (minLength, maxItems, ...); a lower limit of 0 is never kept."""

    value: int
    schema_path: str


@dataclass
class Pattern:
    """How a pattern is matched: engine `seq` (a byte-class scan, SEQ[slot]) or `re` (PCRE2, RE[slot])."""

    index: int                     # into the model's pattern list
    engine: str
    slot: int
    source: str
    schema_path: str


@dataclass
class Format:
    name: str
    func: str
    schema_path: str


@dataclass
class StringCheck(Check):
    kind: ClassVar[str] = "string"
    min: Optional[Limit]
    max: Optional[Limit]
    patterns: List[Pattern]
    format: Optional[Format]


# ---- arrays -------------------------------------------------------------------------------


@dataclass
class Contains:
    sub: Sub
    min: Optional[int]             # None: no lower bound to check (minContains 0)
    min_keyword: str               # contains, or minContains when the schema sets it
    min_path: str
    max: Optional[int]
    max_path: str


@dataclass
class ArrayCheck(Check):
    kind: ClassVar[str] = "array"
    prefix: List[Sub]
    prefix_keyword: str
    items: Optional[Sub]
    items_keyword: str
    contains: Optional[Contains]
    min: Optional[Limit]
    max: Optional[Limit]
    unique: Optional[str]          # schema path of uniqueItems: true
    loop: bool                     # the elements are visited one by one
    loop_quiet_exit: bool          # an element can fail: stop the loop early when quiet


# ---- objects ------------------------------------------------------------------------------


@dataclass
class Presence:
    """How a member's presence is tested: a bit of `seen` set by the member loop, or a lookup."""

    name: str
    bit: Optional[int]


@dataclass
class Property:
    name: str
    sub: Sub
    seen_bit: Optional[int]        # the bit of `seen` the loop sets, or None
    capture: bool = False          # the loop keeps this member in `tag` (discriminator)


@dataclass
class PropertyGroup:
    length: int                    # bytes of the names
    properties: List[Property]


@dataclass
class PatternProperty:
    pattern: Pattern
    sub: Sub


@dataclass
class Additional:
    sub: Sub                       # never true (that is no check)
    schema_path: str


@dataclass
class Required:
    member: Presence
    schema_path: str


@dataclass
class DependentRequired:
    when: Presence
    then: List[Presence]           # never empty
    keyword: str
    schema_path: str


@dataclass
class DependentSchema:
    when: Presence
    sub: Sub
    keyword: str
    schema_path: str


@dataclass
class ObjectCheck(Check):
    kind: ClassVar[str] = "object"
    properties: List[Property]
    property_groups: List[PropertyGroup]
    pattern_properties: List[PatternProperty]
    additional: Optional[Additional]
    names: Optional[Sub]           # propertyNames (never true)
    names_path: Optional[str]
    required: List[Required]
    dep_required: List[DependentRequired]
    dep_schemas: List[DependentSchema]
    min: Optional[Limit]
    max: Optional[Limit]
    loop: bool                     # the members are visited one by one
    loop_quiet_exit: bool
    track_matched: bool            # the loop knows whether properties/patternProperties took the member
    uses_seen: bool                # presence is tracked in a bitmask by the loop
    count: bool                    # the member count is needed


# ---- applicators ----------------------------------------------------------------------------


@dataclass
class AnyOf(Check):
    kind: ClassVar[str] = "anyOf"
    subs: List[Sub]                # none is `true` (that folds the check away)
    schema_path: str


@dataclass
class OneOf(Check):
    kind: ClassVar[str] = "oneOf"
    subs: List[Sub]                # none is `false` (it could never match)
    schema_path: str


@dataclass
class Case:
    value: str
    length: int
    sub: Sub


@dataclass
class OneOfDiscriminated(Check):
    kind: ClassVar[str] = "oneOf_discriminated"
    property: str
    cases: List[Case]
    covered: bool                  # the member's own enum already rejects other values
    describe: str
    schema_path: str
    captured: bool = False         # the member loop found the tag


@dataclass
class Not(Check):
    kind: ClassVar[str] = "not"
    sub: Sub                       # a function (constant subschemas fold)
    schema_path: str


@dataclass
class IfThenElse(Check):
    kind: ClassVar[str] = "if"
    cond: Sub                      # a function (a constant condition folds to then or else)
    then: Sub
    otherwise: Sub
    schema_path: str


# ---- functions -------------------------------------------------------------------------------


@dataclass
class Function:
    """One `static bool name(ev_vctx *c, const cJSON *x)` for one schema location."""

    name: str
    node: object                   # loader.Node
    checks: List[Check] = field(default_factory=list)
    comment: List[str] = field(default_factory=list)
    tag_capture: bool = False      # declares `tag`, filled by the member loop
    unused: List[str] = field(default_factory=list)   # parameters the body does not use

    @property
    def path(self):
        return self.node.path
